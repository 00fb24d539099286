"""Queries on the journal table."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from accord.journal.models import JournalEntry


def lock_tail(session: Session) -> None:
    """Serialise appenders so two transactions never link to the same previous entry."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7310027)"))


def tail(session: Session) -> JournalEntry | None:
    return session.scalars(select(JournalEntry).order_by(JournalEntry.seq.desc()).limit(1)).first()


def get(session: Session, seq: int) -> JournalEntry | None:
    return session.get(JournalEntry, seq)


def iter_entries(session: Session, batch: int = 5000) -> Iterator[JournalEntry]:
    last = 0
    while True:
        rows = session.scalars(
            select(JournalEntry).where(JournalEntry.seq > last).order_by(JournalEntry.seq).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def by_kind(session: Session, kind: str) -> list[JournalEntry]:
    return list(session.scalars(select(JournalEntry).where(JournalEntry.kind == kind).order_by(JournalEntry.seq)))


def for_loan(session: Session, loan_id: str) -> list[JournalEntry]:
    return list(session.scalars(select(JournalEntry).where(JournalEntry.loan_id == loan_id).order_by(JournalEntry.seq)))


def insert_many(session: Session, entries: list) -> None:
    """Bulk insert (the daily run journals every payment it applies)."""
    if not entries:
        return
    import polars as pl

    from accord.kit.frames import bulk_insert

    cols = ("seq", "at", "actor", "kind", "loan_id", "borrower_id", "subject", "payload", "prev_hash", "hash")
    df = pl.DataFrame([[getattr(e, c) for c in cols] for e in entries], schema={
        "seq": pl.Int64, "at": pl.Datetime("us", "UTC"), **{c: pl.String for c in cols[2:]}}, orient="row")
    bulk_insert(session, "journal", df)
