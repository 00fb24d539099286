"""Queries on the journal table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

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


_COLUMNS = ("seq", "at", "actor", "kind", "loan_id", "borrower_id", "subject", "payload", "prev_hash", "hash")


def insert_columns(session: Session, cols: dict) -> None:
    """Bulk insert by columns (the daily run journals every payment it applies). ``at`` is one
    timestamp: an append writes all its entries at the same time."""
    import polars as pl

    from accord.kit.frames import bulk_insert

    n = len(cols["seq"])
    if n == 0:
        return
    at = cols["at"]
    at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)  # naive means UTC, as in chain.at_text
    if session.get_bind().dialect.name == "sqlite":
        # Straight from the columns (no frame): the time as SQLAlchemy stores it, naive UTC text.
        stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
        session.connection().connection.dbapi_connection.executemany(
            f"INSERT INTO journal ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            zip(cols["seq"], [stamp] * n, *(cols[c] for c in _COLUMNS[2:]), strict=True))
        return
    df = pl.DataFrame({"seq": pl.Series(cols["seq"], dtype=pl.Int64),
                       **{c: pl.Series(cols[c], dtype=pl.String) for c in _COLUMNS[2:]}})
    bulk_insert(session, "journal", df.with_columns(pl.lit(at, dtype=pl.Datetime("us", "UTC")).alias("at")))
