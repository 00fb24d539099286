"""Measure the content check on a labelled set (precision / recall per language and per category).

The set is a tab-separated file: lang, policy, label ("ok" or a category), flags, text; lines starting
with ``#`` are comments. Flags: ``sb`` statute-barred, ``lf`` law firm, ``first`` first communication,
and a channel name (``sms``, ``email``...) which turns on the US required-wording checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accord.compliance.content import check_text

CHANNELS = {"sms", "email", "push", "letter", "ai_call", "call"}


@dataclass(frozen=True)
class Example:
    line: int
    lang: str
    policy: str
    label: str
    flags: frozenset[str]
    text: str

    @property
    def violation(self) -> bool:
        return self.label != "ok"


def load(path: Path) -> list[Example]:
    out = []
    for i, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        lang, policy, label, flags, text = raw.split("\t")
        out.append(Example(i, lang, policy, label, frozenset() if flags == "-" else frozenset(flags.split(",")), text))
    return out


def predict(ex: Example) -> list:
    channel = next((f for f in ex.flags if f in CHANNELS), None)
    return check_text(ex.text, policy=ex.policy, lang=ex.lang, channel=channel,
                      collector_is_law_firm="lf" in ex.flags, statute_barred="sb" in ex.flags,
                      first_communication="first" in ex.flags, required_wording=channel is not None)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def score(examples: list[Example]) -> dict:
    """{"overall": Counts, "by_lang": {lang: Counts}, "by_category": {cat: Counts}, "errors": [...]}.

    Message level: a message is flagged when it has any hit. Per category: a violation counts as found
    only when a hit of its own category is reported; a false positive is charged to the categories hit.
    """
    overall, by_lang, by_cat, errors = Counts(), {}, {}, []
    for ex in examples:
        hits = predict(ex)
        flagged = bool(hits)
        lang = by_lang.setdefault(ex.lang, Counts())
        for c in (overall, lang):
            if ex.violation and flagged:
                c.tp += 1
            elif ex.violation:
                c.fn += 1
            elif flagged:
                c.fp += 1
            else:
                c.tn += 1
        cats = {h.category for h in hits}
        if ex.violation:
            cc = by_cat.setdefault(ex.label, Counts())
            if ex.label in cats:
                cc.tp += 1
            else:
                cc.fn += 1
        for cat in cats - {ex.label}:
            by_cat.setdefault(cat, Counts()).fp += 1
        if ex.violation != flagged or (ex.violation and ex.label not in cats):
            errors.append((ex, hits))
    return {"overall": overall, "by_lang": by_lang, "by_category": by_cat, "errors": errors}
