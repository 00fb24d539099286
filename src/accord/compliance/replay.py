"""Replay: re-check a log of past contacts and report every contact the gate would have blocked.

How a lender audits its existing operation before switching to Accord. The log is CSV or JSON lines
(one object per line), one row per contact in the contract's history shape plus the borrower:

    borrower_id, timezone, at, channel, direction, target, actor, debt_ids, outcome[, text, purpose, lang, visitors]

* ``timezone``: the borrower's IANA zone; several possible zones separated by ``;`` (or a
  ``timezones`` JSON list). Empty: the pack's default zones.
* ``at``: ISO 8601 with an offset or Z (naive timestamps are refused).
* ``debt_ids``: ``;``-separated in CSV, a list in JSON lines.
* ``direction`` defaults to outbound, ``target`` to borrower, ``actor`` to agent.

Every outbound row is checked as a planned contact against all the borrower's other rows at or before
it. Inbound rows are history only. What the log does not hold (consents, flags, disputes...) can be
given with ``--borrowers FILE``: JSON lines of contract ``borrower`` objects (with ``id``), optionally
with a ``contacts`` list; without it a borrower has no recorded consent, so US texts are reported under
US-ELEC-01 — which is what an examiner would find, too.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from accord.compliance.gate import evaluate
from accord.compliance.policy import Policy
from accord.compliance.schema import Borrower, ContactPerson, Context, HistoryItem, Planned, validation_message
from accord.kit.errors import InputError

HISTORY_FIELDS = ("at", "channel", "direction", "target", "actor", "debt_ids", "outcome")


@dataclass
class ReplayReport:
    policy: str
    policy_version: str
    checked: int = 0
    blocked: list[dict] = field(default_factory=list)

    @property
    def by_rule(self) -> dict[str, int]:
        c = Counter(rule for b in self.blocked for rule in b["rules"])
        return dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))

    def as_dict(self) -> dict:
        return {"policy": self.policy, "policy_version": self.policy_version, "checked": self.checked,
                "blocked": len(self.blocked), "by_rule": self.by_rule, "blocked_contacts": self.blocked}


def _rows(path: Path) -> list[tuple[int, dict]]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    text = path.read_text(encoding="utf-8-sig")
    if text.lstrip().startswith("{"):
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    out.append((n, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}, line {n}: not valid JSON ({exc.msg})") from exc
        return out
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "borrower_id" not in reader.fieldnames:
        raise InputError(f"{path}: missing column 'borrower_id' (CSV header or JSON lines expected)")
    return [(n, row) for n, row in enumerate(reader, 2)]


def _split(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _parse(path: Path, n: int, row: dict):
    where = f"{path}, row {n}"
    bid = row.get("borrower_id")
    if not bid:
        raise InputError(f"{where}, field borrower_id: missing")
    zones = _split(row.get("timezones") if row.get("timezones") not in (None, "") else row.get("timezone"))
    data = {k: row[k] for k in HISTORY_FIELDS if row.get(k) not in (None, "")}
    data["debt_ids"] = _split(row.get("debt_ids"))
    try:
        item = HistoryItem.model_validate(data)
        Borrower.model_validate({"timezones": zones})
    except ValidationError as exc:
        raise InputError(validation_message(exc, where)) from exc
    extra = {k: row.get(k) or None for k in ("text", "purpose", "lang", "visitors")}
    return str(bid), zones, item, extra


def _borrowers(path: Path | None) -> dict[str, tuple[dict, list]]:
    if path is None:
        return {}
    out = {}
    for n, row in _rows(path):
        contacts = row.pop("contacts", []) if isinstance(row, dict) else []
        if not isinstance(row, dict) or not row.get("id"):
            raise InputError(f"{path}, row {n}, field id: missing")
        out[str(row["id"])] = (row, contacts)
    return out


def replay(policy: Policy, history_file: Path, borrowers_file: Path | None = None) -> ReplayReport:
    history_file = Path(history_file)
    known = _borrowers(Path(borrowers_file) if borrowers_file else None)
    by_borrower: dict[str, list] = defaultdict(list)
    zones_of: dict[str, list[str]] = {}
    for n, row in _rows(history_file):
        bid, zones, item, extra = _parse(history_file, n, row)
        by_borrower[bid].append((n, item, extra))
        if zones:
            zones_of.setdefault(bid, zones)
    report = ReplayReport(policy.name, policy.version)
    for bid, rows in by_borrower.items():
        base, contacts = known.get(bid, ({}, []))
        try:
            borrower = Borrower.model_validate({**base, "timezones": base.get("timezones") or zones_of.get(bid, [])})
            people = [ContactPerson.model_validate(c) for c in contacts]
        except ValidationError as exc:
            raise InputError(validation_message(exc, f"borrowers file, borrower {bid}")) from exc
        for i, (n, item, extra) in enumerate(rows):
            if item.direction != "outbound":
                continue
            history = [h for j, (_, h, _) in enumerate(rows) if j != i]
            try:
                planned = Planned(at=item.at, channel=item.channel, target=item.target, debt_ids=item.debt_ids,
                                  text=extra["text"], lang=extra["lang"], purpose=extra["purpose"] or "collection",
                                  visitors=extra["visitors"])
            except ValidationError as exc:
                raise InputError(validation_message(exc, f"{history_file}, row {n}")) from exc
            d = evaluate(policy, Context(borrower=borrower, contacts=people, history=history), planned)
            report.checked += 1
            if not d.allowed:
                report.blocked.append({"row": n, "borrower_id": bid, "at": item.at.isoformat(),
                                       "channel": item.channel, "target": item.target, "rules": d.rules,
                                       "messages": [v.message for v in d.violations]})
    report.blocked.sort(key=lambda b: b["row"])
    return report
