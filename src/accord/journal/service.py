"""Appending to the journal (in the caller's transaction), verifying it and issuing receipts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.journal import repository
from accord.journal.chain import (  # noqa: F401 - object_json, payload_json: for callers building payloads
    GENESIS, Break, at_text, chain_hashes, check_chain, entry_hash, object_json, payload_json,
)
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
    at = at or utcnow()
    cols = {"actor": [e.actor for e in events], "kind": [e.kind for e in events],
            "loan_id": [e.loan_id for e in events], "borrower_id": [e.borrower_id for e in events],
            "subject": [e.subject for e in events], "payload": [payload_json(e.payload) for e in events]}
    seqs, prevs, hashes = _append(session, cols, at)
    return [Appended(seq, at, *row, prev, h) for seq, prev, h, *row in
            zip(seqs, prevs, hashes, cols["actor"], cols["kind"], cols["loan_id"], cols["borrower_id"],
                cols["subject"], cols["payload"], strict=True)]


def append_columns(session: Session, *, kind: str | Sequence[str], payload: Sequence[str],
                   actor: str | Sequence[str] = "system", loan_id: Sequence[str | None] | None = None,
                   borrower_id: Sequence[str | None] | None = None, subject: Sequence[str | None] | None = None,
                   at: datetime | None = None) -> int:
    """``append_many`` for the batch path, by columns: one entry per payload (already canonical JSON,
    see ``payload_json``); a str for ``kind`` or ``actor`` applies to every entry, a missing id column
    is all nulls. Hashes, order and storage are ``append_many``'s; nothing is built per entry but the
    hash, and nothing is returned but the count (the daily run journals 100,000 entries at a time)."""
    n = len(payload)
    if n == 0:
        return 0

    def column(v):  # noqa: ANN001, ANN202
        if v is None or isinstance(v, str):
            return [v] * n
        if len(v) != n:
            raise ValueError(f"journal columns differ in length ({len(v)} and {n} payloads)")
        return list(v)

    _append(session, {"actor": column(actor), "kind": column(kind), "loan_id": column(loan_id),
                      "borrower_id": column(borrower_id), "subject": column(subject), "payload": list(payload)},
            at or utcnow())
    return n


def timestamp_texts(timestamps):  # noqa: ANN001, ANN201 - a polars Series in, a String Series out
    """A timestamp column as ``canonical_json`` writes timestamps in a payload (``isoformat()``),
    computed once per distinct value: for building payloads of many entries by column."""
    import polars as pl

    distinct = timestamps.unique().drop_nulls()
    return timestamps.replace_strict(distinct, [t.isoformat() for t in distinct.to_list()], default=None,
                                     return_dtype=pl.String)


def _append(session: Session, cols: dict[str, list], at: datetime) -> tuple[range, list[str], list[str]]:
    """Chain the entries onto the journal's tail and bulk insert them: (seqs, prev hashes, hashes)."""
    repository.lock_tail(session)
    session.flush()
    last = repository.tail(session)
    seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
    n = len(cols["payload"])
    hashes = chain_hashes(seq + 1, prev, at, cols["actor"], cols["kind"], cols["loan_id"], cols["borrower_id"],
                          cols["subject"], cols["payload"])
    seqs, prevs = range(seq + 1, seq + n + 1), [prev, *hashes[:-1]]
    repository.insert_columns(session, {"seq": seqs, "at": at, **cols, "prev_hash": prevs, "hash": hashes})
    return seqs, prevs, hashes


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
