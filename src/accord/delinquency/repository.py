"""Snapshot queries (columnar)."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.delinquency.models import DelinquencySnapshot
from accord.kit.frames import read_frame, reader


def has_snapshot(session: Session, as_of: date) -> bool:
    return bool(session.scalar(select(func.count()).select_from(DelinquencySnapshot)
                               .where(DelinquencySnapshot.as_of == as_of).limit(1)))


def snapshot_days(session: Session) -> list[date]:
    return list(session.scalars(select(DelinquencySnapshot.as_of).distinct().order_by(DelinquencySnapshot.as_of)))


def snapshot_frame(session: Session, as_of: date, open_only: bool = True) -> pl.DataFrame:
    closed = "0" if session.get_bind().dialect.name == "sqlite" else "false"
    where = f"s.as_of = '{as_of.isoformat()}'" + (f" AND s.closed = {closed}" if open_only else "")
    with reader(session) as conn:
        return read_frame(conn, f"""
            SELECT l.id AS loan_id, s.dpd, s.bucket, s.overdue_principal, s.overdue_interest, s.overdue_fees,
                   s.penalty, s.outstanding_principal, s.prev_bucket, s.transition, s.closed, l.currency
            FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk
            WHERE {where} ORDER BY l.id""")


def buckets_between(session: Session, start: date, end: date) -> pl.DataFrame:
    """Each loan's bucket on ``start`` and on ``end`` (null when it has no snapshot that day)."""
    with reader(session) as conn:
        return read_frame(conn, f"""
            SELECT a.loan_pk, a.bucket AS bucket_from, a.outstanding_principal AS balance_from,
                   b.bucket AS bucket_to, b.closed AS closed_to
            FROM delinquency_snapshots a
            LEFT JOIN delinquency_snapshots b ON b.loan_pk = a.loan_pk AND b.as_of = '{end.isoformat()}'
            WHERE a.as_of = '{start.isoformat()}' AND a.closed = {'0' if session.get_bind().dialect.name == 'sqlite' else 'false'}""")


def snapshots_between(session: Session, start: date, end: date) -> pl.DataFrame:
    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT loan_pk, as_of, bucket, prev_bucket, dpd, outstanding_principal, closed
            FROM delinquency_snapshots WHERE as_of BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'""")
    return _dates(df, "as_of").with_columns(pl.col("closed").cast(pl.Boolean))


def installments_due_between(session: Session, start: date, end: date) -> pl.DataFrame:
    with reader(session) as conn:
        df = read_frame(conn, f"""
            SELECT due_on, principal_due + interest_due + fee_due AS amount_due, settled_on
            FROM installments WHERE due_on BETWEEN '{start.isoformat()}' AND '{end.isoformat()}'""")
    return _dates(df, "due_on", "settled_on")


def _dates(df: pl.DataFrame, *cols: str) -> pl.DataFrame:
    """SQLite hands dates back as text; PostgreSQL as dates."""
    return df.with_columns(pl.col(c).cast(pl.String).str.to_date() if df.schema[c] == pl.String else pl.col(c)
                           for c in cols)
