"""Columnar reads of the open book and bulk writes of the run's results."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.batch.models import Run
from accord.kit.frames import bulk_insert, bulk_update, epoch_days_sql, read_frame, reader


def last_run(session: Session) -> date | None:
    return session.scalar(select(func.max(Run.as_of)).where(Run.status == "completed"))


def first_activity(session: Session) -> date | None:
    from accord.loans.models import Loan

    return session.scalar(select(func.min(Loan.disbursed_on)).where(Loan.status == "open"))


def load_frames(session: Session, snapshot_before: date | None) -> dict[str, pl.DataFrame]:
    """Open loans (and loans with unapplied payments), their unsettled installments, unapplied
    payments, and each loan's bucket in the last snapshot before the run. Payments of written-off loans
    are not the engine's: they are recoveries (``accord.writeoffs.recovery``, called by the run)."""
    d = session.get_bind().dialect.name
    ed = lambda c: epoch_days_sql(d, c)  # noqa: E731
    with reader(session) as conn:
        loans = read_frame(conn, f"""
            SELECT pk AS loan_pk, product, penalty_rate_daily, grace_days, credit_minor,
                   {ed('disbursed_on')} AS disbursed
            FROM loans WHERE status = 'open'
               OR (status <> 'written_off' AND pk IN (SELECT loan_pk FROM payments WHERE applied_on IS NULL))
            ORDER BY pk""")
        inst = read_frame(conn, f"""
            SELECT i.loan_pk, i.installment_no, {ed('i.due_on')} AS due,
                   i.principal_due, i.interest_due, i.fee_due, i.principal_paid, i.interest_paid,
                   i.fee_paid, i.penalty_accrued, i.penalty_paid
            FROM installments i JOIN loans l ON l.pk = i.loan_pk
            WHERE i.settled_on IS NULL AND l.status = 'open'
            ORDER BY i.loan_pk, i.due_on, i.installment_no""")  # due order: arrangement rows may fall due before older-numbered ones
        pays = read_frame(conn, f"""
            SELECT id AS payment_id, loan_pk, {ed('paid_on')} AS day, amount_minor, paid_at
            FROM payments WHERE applied_on IS NULL
              AND loan_pk NOT IN (SELECT pk FROM loans WHERE status = 'written_off')
            ORDER BY paid_on, paid_at, id""")
        prev = pl.DataFrame({"loan_pk": [], "bucket": []}, schema={"loan_pk": pl.Int64, "bucket": pl.String})
        if snapshot_before is not None:
            prev = read_frame(conn, f"""
                SELECT loan_pk, bucket FROM delinquency_snapshots
                WHERE as_of = '{snapshot_before.isoformat()}' AND closed = {'0' if d == 'sqlite' else 'false'}""")
    return {"loans": loans, "installments": inst, "payments": pays, "prev": prev}


def write_postings(session: Session, df: pl.DataFrame) -> int:
    return bulk_insert(session, "postings", df)


def write_snapshots(session: Session, df: pl.DataFrame) -> int:
    return bulk_insert(session, "delinquency_snapshots", df)


def update_installments(session: Session, df: pl.DataFrame) -> int:
    return bulk_update(session, "installments", df, ["loan_pk", "installment_no"])


def update_loans(session: Session, df: pl.DataFrame) -> int:
    return bulk_update(session, "loans", df, ["pk"])


def mark_payments(session: Session, df: pl.DataFrame) -> int:
    return bulk_update(session, "payments", df, ["id"])


def delete_snapshots_from(session: Session, day: date) -> None:
    from accord.delinquency.models import DelinquencySnapshot

    session.execute(DelinquencySnapshot.__table__.delete().where(DelinquencySnapshot.as_of >= day))

