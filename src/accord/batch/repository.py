"""Columnar reads of the open book and bulk writes of the run's results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from accord.batch.models import Run
from accord.kit.frames import bulk_insert, bulk_update, epoch_days_sql, int_in_sql, read_frame, reader


def last_run(session: Session) -> date | None:
    return session.scalar(select(func.max(Run.as_of)).where(Run.status == "completed"))


def first_activity(session: Session) -> date | None:
    from accord.loans.models import Loan

    return session.scalar(select(func.min(Loan.disbursed_on)).where(Loan.status == "open"))


def postings_high_water(session: Session) -> int:
    """The highest posting id: stored with each run, so the next run knows which postings came after it."""
    from accord.ledger.models import Posting

    return int(session.scalar(select(func.max(Posting.id))) or 0)


def _false(dialect: str) -> str:
    return "0" if dialect == "sqlite" else "false"


def busy_sql(as_of: date, since_posting: int) -> list[str]:
    """Loans something happens to by ``as_of``: an unsettled installment due by then (charges, held
    credit, DPD, penalty), an unapplied payment, or a posting written after the last run (an accepted
    arrangement, a waiver). Every other open loan that was current (DPD 0) yesterday is *quiet*: its
    snapshot is yesterday's carried forward, and the engine need not load it. Three reads, each an
    index-only scan (no DISTINCT or UNION: SQLite would plan those as scans of the installments)."""
    return [f"SELECT loan_pk FROM installments WHERE settled_on IS NULL AND due_on <= '{as_of.isoformat()}'",
            "SELECT loan_pk FROM payments WHERE applied_on IS NULL",
            f"SELECT loan_pk FROM postings WHERE id > {int(since_posting)}"]


@dataclass(frozen=True)
class CarryForward:
    """Quiet loans' snapshots are carried forward from ``prev`` (the last run's day) up to ``as_of``;
    ``since_posting`` is the last run's posting high-water mark."""

    prev: date
    as_of: date
    since_posting: int


def engine_loans(conn, dialect: str, carry: CarryForward) -> list[int]:  # noqa: ANN001
    """The open loans the engine must run: all but the quiet ones (current yesterday and not busy).
    Three integer reads and two anti-joins: the quiet set is most of a healthy book, and reading a few
    integers per loan costs far less than its installments."""
    open_ = read_frame(conn, "SELECT pk AS loan_pk FROM loans WHERE status = 'open'")
    current = read_frame(conn, f"SELECT loan_pk FROM delinquency_snapshots WHERE as_of = '{carry.prev.isoformat()}' "
                               f"AND dpd = 0 AND closed = {_false(dialect)}")
    key = lambda df: df.select(pl.col("loan_pk").cast(pl.Int64))  # noqa: E731 (empty reads come back untyped)
    busy = pl.concat([key(read_frame(conn, q)) for q in busy_sql(carry.as_of, carry.since_posting)]).unique()
    quiet = key(current).join(key(busy), on="loan_pk", how="anti")
    return key(open_).join(quiet, on="loan_pk", how="anti")["loan_pk"].sort().to_list()


def load_frames(session: Session, snapshot_before: date | None,
                carry: CarryForward | None = None) -> dict[str, pl.DataFrame]:
    """Open loans (and loans with unapplied payments), their unsettled installments, unapplied
    payments, and each loan's bucket in the last snapshot before the run. Payments of written-off loans
    are not the engine's: they are recoveries (``accord.writeoffs.recovery``, called by the run).
    With ``carry``, only the engine's loans (``engine_loans``) are read, and ``frames["engine"]``
    holds their keys: the quiet loans' carry-forward is every other current open loan."""
    d = session.get_bind().dialect.name
    ed = lambda c: epoch_days_sql(d, c)  # noqa: E731
    with reader(session) as conn:
        engine = engine_loans(conn, d, carry) if carry else None
        mine = (lambda col: int_in_sql(d, col, engine)) if carry else (lambda col: "1 = 1")
        loans = read_frame(conn, f"""
            SELECT pk AS loan_pk, product, penalty_rate_daily, grace_days, credit_minor,
                   {ed('disbursed_on')} AS disbursed
            FROM loans WHERE (status = 'open' AND {mine('pk')})
               OR (status <> 'written_off' AND pk IN (SELECT loan_pk FROM payments WHERE applied_on IS NULL))
            ORDER BY pk""")
        inst = read_frame(conn, f"""
            SELECT i.loan_pk, i.installment_no, {ed('i.due_on')} AS due,
                   i.principal_due, i.interest_due, i.fee_due, i.principal_paid, i.interest_paid,
                   i.fee_paid, i.penalty_accrued, i.penalty_paid
            FROM installments i JOIN loans l ON l.pk = i.loan_pk
            WHERE i.settled_on IS NULL AND l.status = 'open' AND {mine('i.loan_pk')}
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
                WHERE as_of = '{snapshot_before.isoformat()}' AND closed = {_false(d)} AND {mine('loan_pk')}""")
    frames = {"loans": loans, "installments": inst, "payments": pays, "prev": prev}
    if engine is not None:
        frames["engine"] = pl.DataFrame({"loan_pk": engine}, schema={"loan_pk": pl.Int64})
    return frames


def carry_forward(session: Session, carry: CarryForward, engine: list[int], day: date) -> int:
    """Copy the quiet loans' snapshots of ``carry.prev`` to ``day`` (same DPD, bucket and amounts; the
    transition is ``stay``), in the database: every current open loan the engine did not run."""
    d = session.get_bind().dialect.name
    cols = ("as_of, loan_pk, dpd, bucket, overdue_principal, overdue_interest, overdue_fees, penalty, "
            "outstanding_principal, prev_bucket, transition, closed")
    res = session.execute(text(f"""
        INSERT INTO delinquency_snapshots ({cols})
        SELECT '{day.isoformat()}', s.loan_pk, s.dpd, s.bucket, s.overdue_principal, s.overdue_interest,
               s.overdue_fees, s.penalty, s.outstanding_principal, s.bucket, 'stay', s.closed
        FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk
        WHERE s.as_of = '{carry.prev.isoformat()}' AND s.dpd = 0 AND s.closed = {_false(d)} AND l.status = 'open'
          AND NOT {int_in_sql(d, 's.loan_pk', engine)}"""))
    return int(res.rowcount or 0)


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

