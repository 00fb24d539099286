"""Scoring reply understanding on a labelled set (JSON lines: text, today, intent, amount, date).

Used by the tests (thresholds) and by ``bench/bench_intent.py`` (the table).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from accord.conversations.lexicon import INTENTS
from accord.conversations.understand import Reply, understand


@dataclass(frozen=True)
class Labelled:
    text: str
    today: date
    intent: str
    amount: Decimal | None
    date: date | None


@dataclass
class Scores:
    n: int = 0
    per_intent: dict[str, dict[str, float]] = field(default_factory=dict)
    macro_f1: float = 0.0
    accuracy: float = 0.0
    date_accuracy: float = 0.0
    date_n: int = 0
    amount_accuracy: float = 0.0
    amount_n: int = 0
    errors: list[tuple[Labelled, Reply]] = field(default_factory=list)


def load_labelled(path: Path) -> list[Labelled]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if raw["intent"] not in INTENTS:
                raise ValueError(f"unknown intent {raw['intent']!r}")
            rows.append(Labelled(
                text=raw["text"], today=date.fromisoformat(raw["today"]), intent=raw["intent"],
                amount=Decimal(raw["amount"]) if raw.get("amount") is not None else None,
                date=date.fromisoformat(raw["date"]) if raw.get("date") else None,
            ))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}, line {number}: {exc}") from exc
    return rows


def score(rows: list[Labelled]) -> Scores:
    """Per-intent precision / recall / F1, macro-F1 over the intents present, date and amount accuracy.

    Date accuracy counts the rows whose label has a date; amount accuracy counts rows where the label
    or the prediction has an amount (so invented amounts are penalised too).
    """
    s = Scores(n=len(rows))
    tp = dict.fromkeys(INTENTS, 0)
    fp = dict.fromkeys(INTENTS, 0)
    fn = dict.fromkeys(INTENTS, 0)
    correct = dates_ok = amounts_ok = 0
    for row in rows:
        got = understand(row.text, today=row.today)
        if got.intent == row.intent:
            tp[row.intent] += 1
            correct += 1
        else:
            fp[got.intent] += 1
            fn[row.intent] += 1
        wrong = got.intent != row.intent
        if row.date is not None:
            s.date_n += 1
            dates_ok += got.date == row.date
            wrong = wrong or got.date != row.date
        if row.amount is not None or got.amount is not None:
            s.amount_n += 1
            amounts_ok += got.amount == row.amount
            wrong = wrong or got.amount != row.amount
        if wrong:
            s.errors.append((row, got))
    present = [i for i in INTENTS if tp[i] + fn[i] > 0]
    for i in INTENTS:
        p = tp[i] / (tp[i] + fp[i]) if tp[i] + fp[i] else 0.0
        r = tp[i] / (tp[i] + fn[i]) if tp[i] + fn[i] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        s.per_intent[i] = {"precision": p, "recall": r, "f1": f, "support": tp[i] + fn[i]}
    s.macro_f1 = sum(s.per_intent[i]["f1"] for i in present) / len(present) if present else 0.0
    s.accuracy = correct / len(rows) if rows else 0.0
    s.date_accuracy = dates_ok / s.date_n if s.date_n else 1.0
    s.amount_accuracy = amounts_ok / s.amount_n if s.amount_n else 1.0
    return s
