"""Learning borrowers' preferred contact hours in bulk (a daily-run step) and reading them for the
schedule. Each run adds the contact events recorded since the previous learning (a watermark on the
contact event id, journalled as ``contact_hours.learnt``) to the per-hour counts in ``contact_hours``.
Nothing here commits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from accord.journal.service import append
from accord.strategy.hours import COUNTS_SCHEMA, EVENTS_SCHEMA, PAY_WITHIN, PAYMENTS_SCHEMA, best_hours, hour_counts
from accord.strategy.models import ContactHour

CHUNK = 5000


def _rows(session: Session, stmt, schema: dict) -> pl.DataFrame:  # noqa: ANN001
    return pl.DataFrame(session.connection().execute(stmt).fetchall(), schema=schema, orient="row")


def _watermark(session: Session) -> int:
    from accord.journal.models import JournalEntry as J

    payload = session.scalar(select(J.payload).where(J.kind == "contact_hours.learnt").order_by(J.seq.desc()).limit(1))
    if not payload:
        return 0
    data = json.loads(payload) if isinstance(payload, str) else payload
    return int(data.get("through_event_id", 0))


def learn_hours(session: Session, as_of: date, actor: str = "batch") -> dict:
    """Add the contact events recorded since the last learning to ``contact_hours``; returns counts."""
    if not inspect(session.get_bind()).has_table("contact_events"):
        return {"skipped": "no contact history"}
    from accord.loans.models import Borrower, Loan, Payment
    from accord.outbox.models import ContactEvent as E

    since = _watermark(session)
    last = session.scalar(select(func.max(E.id)).where(E.id > since))
    if last is None:
        return {"events": 0, "borrowers": 0}
    events = _rows(session, select(E.borrower_id, E.at, E.channel, E.direction, E.outcome)
                   .where(E.id > since, E.id <= last), EVENTS_SCHEMA)
    first = events["at"].min()
    payments = pl.DataFrame(schema=PAYMENTS_SCHEMA)
    if first is not None:
        payments = _rows(session, select(Loan.borrower_id, Payment.paid_at).join(Loan, Loan.pk == Payment.loan_pk)
                         .where(Payment.paid_on >= (first - timedelta(days=1)).date()), PAYMENTS_SCHEMA)
        payments = payments.filter(pl.col("paid_at") >= first).filter(
            pl.col("paid_at") <= events["at"].max() + PAY_WITHIN)
    ids = events["borrower_id"].unique().to_list()
    zones = pl.concat([_rows(session, select(Borrower.id, Borrower.timezone).where(Borrower.id.in_(ids[i:i + CHUNK])),
                             {"borrower_id": pl.String, "timezone": pl.String}) for i in range(0, len(ids), CHUNK)])
    counts = hour_counts(events, payments, zones)
    _upsert(session, counts, as_of)
    append(session, "contact_hours.learnt", actor=actor, subject=f"contact_hours:{as_of.isoformat()}",
           payload={"through_event_id": int(last), "events": events.height, "borrowers": len(ids),
                    "hours": counts.height})
    return {"events": events.height, "borrowers": len(ids), "hours": counts.height}


def _upsert(session: Session, counts: pl.DataFrame, as_of: date) -> None:
    """Add to the stored counts (INSERT ... ON CONFLICT DO UPDATE, in batches, on both databases)."""
    if counts.height == 0:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(ContactHour.__table__)
    stmt = stmt.on_conflict_do_update(
        index_elements=["borrower_id", "hour"],
        set_={"positives": ContactHour.__table__.c.positives + stmt.excluded.positives,
              "attempts": ContactHour.__table__.c.attempts + stmt.excluded.attempts,
              "updated_on": stmt.excluded.updated_on})
    rows = counts.with_columns(pl.lit(as_of).alias("updated_on")).to_dicts()
    session.flush()
    for i in range(0, len(rows), CHUNK):
        session.connection().execute(stmt, rows[i:i + CHUNK])


def hour_counts_for(session: Session, borrower_ids: Sequence[str]) -> pl.DataFrame:
    if not inspect(session.get_bind()).has_table("contact_hours"):
        return pl.DataFrame(schema=COUNTS_SCHEMA)
    ids = sorted(set(borrower_ids))
    c = ContactHour
    parts = [_rows(session, select(c.borrower_id, c.hour, c.positives, c.attempts)
                   .where(c.borrower_id.in_(ids[i:i + CHUNK]), c.positives > 0), COUNTS_SCHEMA)
             for i in range(0, len(ids), CHUNK)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=COUNTS_SCHEMA)


def preferred_minutes(session: Session, borrower_ids: Sequence[str]) -> pl.DataFrame:
    """(borrower_id, preferred_minute) for the borrowers whose history shows a best hour."""
    return best_hours(hour_counts_for(session, borrower_ids))

