"""Appending to the journal (in the caller's transaction), verifying it and issuing receipts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.journal import repository
from accord.journal.chain import GENESIS, Break, at_text, check_chain, entry_hash
from accord.kit.crypto import canonical_json
from accord.kit.timeutil import utcnow


@dataclass(frozen=True)
class Appended:
    """What an append returns: the new entry's sequence number and hash (and its fields)."""

    seq: int
    at: datetime
    actor: str
    kind: str
    loan_id: str | None
    borrower_id: str | None
    subject: str | None
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Event:
    """An event to journal: what happened, to whom, who did it, with a payload of references."""

    kind: str
    payload: dict
    actor: str = "system"
    loan_id: str | None = None
    borrower_id: str | None = None
    subject: str | None = None


def append(session: Session, kind: str, *, actor: str = "system", loan_id: str | None = None,
           borrower_id: str | None = None, subject: str | None = None, payload: dict | None = None,
           at: datetime | None = None) -> Appended:
    """Append one event in the caller's transaction and return the stored entry."""
    (entry,) = append_many(session, [Event(kind, payload or {}, actor, loan_id, borrower_id, subject)], at=at)
    return entry


def append_many(session: Session, events: Iterable[Event], at: datetime | None = None) -> list[Appended]:
    """Append many events in one bulk insert (the daily run journals thousands of payments)."""
    events = list(events)
    if not events:
        return []
    repository.lock_tail(session)
    session.flush()
    last = repository.tail(session)
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    at = at or utcnow()
    out: list[Appended] = []
    for ev in events:
        seq += 1
        payload = canonical_json(ev.payload)
        h = entry_hash(seq, at, ev.actor, ev.kind, ev.loan_id, ev.borrower_id, ev.subject, payload, prev)
        out.append(Appended(seq, at, ev.actor, ev.kind, ev.loan_id, ev.borrower_id, ev.subject, payload, prev, h))
        prev = h
    repository.insert_many(session, out)
    return out


@dataclass(frozen=True)
class VerifyResult:
    count: int
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify(session: Session) -> VerifyResult:
    count, broken = check_chain(repository.iter_entries(session))
    return VerifyResult(count, broken)


def head(session: Session) -> tuple[int, str] | None:
    """(sequence, hash) of the last event, or None for an empty journal."""
    last = repository.tail(session)
    return (last.seq, last.hash) if last else None


def receipt(session: Session, seq: int) -> dict:
    """A self-contained receipt: the event's fields and hash, enough to recompute the hash anywhere,
    plus the chain head at issue time so a later check can confirm the event is still in place."""
    entry = repository.get(session, seq)
    if entry is None:
        raise LookupError(f"no journal event {seq}")
    head = repository.tail(session)
    return {
        "receipt_version": 1,
        "event": {
            "seq": entry.seq, "at": at_text(entry.at), "actor": entry.actor, "kind": entry.kind,
            "loan_id": entry.loan_id, "borrower_id": entry.borrower_id, "subject": entry.subject,
            "payload": entry.payload, "prev_hash": entry.prev_hash,
        },
        "hash": entry.hash,
        "head": {"seq": head.seq, "hash": head.hash},
        "how_to_check": "sha256 of canonical JSON {seq, at, actor, kind, loan_id, borrower_id, subject, "
                        "payload, prev} (sorted keys, no spaces, UTF-8) must equal hash; then "
                        "`accord journal verify --receipts FILE` confirms the journal still holds it.",
    }


def check_receipt(session: Session | None, data: dict) -> list[str]:
    """Problems with a receipt: its own hash, then (with a session) its place in the journal."""
    ev = data.get("event") or {}
    problems: list[str] = []
    try:
        at = datetime.fromisoformat(ev["at"].replace("Z", "+00:00"))
        recomputed = entry_hash(ev["seq"], at, ev["actor"], ev["kind"], ev.get("loan_id"),
                                ev.get("borrower_id"), ev.get("subject"), ev["payload"], ev["prev_hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return [f"receipt is malformed: {exc}"]
    if recomputed != data.get("hash"):
        problems.append(f"receipt for event {ev['seq']} was altered: its content does not match its hash")
    if session is not None:
        entry = repository.get(session, ev["seq"])
        if entry is None:
            problems.append(f"event {ev['seq']} is missing from the journal")
        elif entry.hash != data.get("hash"):
            problems.append(f"event {ev['seq']} in the journal differs from the receipt")
    return problems
