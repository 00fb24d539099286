"""Queries of the case workflow. Every read goes through the session's own connection (not a separate
ADBC reader) so that a sync or a judgement run inside the daily run's transaction sees the snapshots and
payments that transaction has just written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

import polars as pl
from sqlalchemy import Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from accord.cases.models import Case, Dispute, Hold, Promise
from accord.kit.frames import bulk_insert, bulk_update

CHUNK = 5000


def frame(session: Session, stmt: Select, schema: dict) -> pl.DataFrame:
    """Run a Core select in the session and return its rows as a typed frame."""
    session.flush()
    # Core execution on the session's connection: no ORM row processing on hundreds of thousands of rows.
    rows = session.connection().execute(stmt).fetchall()
    return pl.DataFrame(rows, schema=schema, orient="row")


def _chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# -- the loan book (read only) ---------------------------------------------------------------------

def _book():  # noqa: ANN202 - imported late: the loan book is another feature's tables
    from accord.delinquency.models import DelinquencySnapshot
    from accord.loans.models import Borrower, Loan, Payment

    return DelinquencySnapshot, Loan, Borrower, Payment


def has_snapshot(session: Session, as_of: date) -> bool:
    snap, *_ = _book()
    return session.scalar(select(snap.loan_pk).where(snap.as_of == as_of).limit(1)) is not None


def open_loan_count(session: Session) -> int:
    _, loan, *_ = _book()
    return int(session.scalar(select(func.count()).select_from(loan).where(loan.status == "open")) or 0)


def snapshot_for_sync(session: Session, as_of: date) -> pl.DataFrame:
    """The ``as_of`` snapshot rows that matter to cases: delinquent or closed loans, and loans with an
    open case (a cured loan must be seen to close its case). Current loans without a case are skipped."""
    snap, loan, *_ = _book()
    with_case = select(Case.loan_pk).where(Case.status == "open")
    stmt = (select(snap.loan_pk, loan.id, loan.borrower_id, snap.dpd, snap.bucket, snap.closed)
            .join(loan, loan.pk == snap.loan_pk)
            .where(snap.as_of == as_of,
                   or_(snap.dpd >= 1, snap.closed == true(), snap.loan_pk.in_(with_case))))
    from accord.cases.lifecycle import SNAPSHOT_SCHEMA

    return frame(session, stmt, SNAPSHOT_SCHEMA)


def pre_due_candidates(session: Session, as_of: date, days_before: int, last_installments: int) -> pl.DataFrame:
    """Current loans (DPD 0 on ``as_of``) with an unpaid installment due within ``days_before`` days
    (today included): its due date and amount, what is paid on it or waiting as credit, and how many of the previous
    ``last_installments`` installments were settled late (a correlated count over the primary key)."""
    from datetime import timedelta

    from accord.cases.lifecycle import PRE_DUE_SCHEMA
    from accord.loans.models import Installment

    snap, loan, *_ = _book()
    cur = Installment.__table__.alias("c")
    prev = Installment.__table__.alias("p")
    late = (select(func.count()).select_from(prev)
            .where(prev.c.loan_pk == cur.c.loan_pk, prev.c.installment_no < cur.c.installment_no,
                   prev.c.installment_no >= cur.c.installment_no - last_installments,
                   prev.c.settled_on > prev.c.due_on).scalar_subquery())
    current = (select(snap.loan_pk).where(snap.loan_pk == cur.c.loan_pk, snap.as_of == as_of, snap.dpd == 0,
                                          snap.closed == false()).exists())
    # Driven by the unpaid-by-due-date index (a few days of installments), each checked against the
    # day's snapshot by primary key — not a pass over the whole snapshot or installment table.
    stmt = (select(cur.c.loan_pk, loan.id, loan.borrower_id, cur.c.due_on,
                   (cur.c.principal_due + cur.c.interest_due + cur.c.fee_due).label("due_minor"),
                   (cur.c.principal_paid + cur.c.interest_paid + cur.c.fee_paid + loan.credit_minor).label("paid_minor"),
                   late.label("late_recent"))
            .join(loan, loan.pk == cur.c.loan_pk)
            .where(cur.c.settled_on.is_(None), cur.c.due_on >= as_of,
                   cur.c.due_on <= as_of + timedelta(days=days_before), current))
    return frame(session, stmt, PRE_DUE_SCHEMA)


def pre_due_scores(session: Session, as_of: date) -> pl.DataFrame | None:
    """The day's stored pre-due model scores (loan_pk, p_bad), or None without the scores table."""
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("scores"):
        return None
    from accord.scoring.book_models import Score

    return frame(session, select(Score.loan_pk, Score.p_bad).where(Score.as_of == as_of, Score.target == "pre_due"),
                 {"loan_pk": pl.Int64, "p_bad": pl.Float64})


def open_cases_frame(session: Session) -> pl.DataFrame:
    from accord.cases.lifecycle import CASES_SCHEMA

    stmt = select(Case.id, Case.loan_pk, Case.loan_id, Case.borrower_id, Case.stage, Case.bucket,
                  Case.dpd).where(Case.status == "open")
    return frame(session, stmt, CASES_SCHEMA)


def loans_state(session: Session, loan_pks: list[int]) -> pl.DataFrame:
    from accord.cases.lifecycle import GONE_SCHEMA

    _, loan, *_ = _book()
    parts = [frame(session, select(loan.pk, loan.status, loan.close_reason, loan.closed_on)
                   .where(loan.pk.in_(list(c))), GONE_SCHEMA) for c in _chunks(loan_pks)]
    return pl.concat(parts) if parts else pl.DataFrame(schema=GONE_SCHEMA)


def loan_row(session: Session, loan_id: str):  # noqa: ANN201
    """(pk, id, borrower_id, currency, status) of a loan, or None."""
    _, loan, *_ = _book()
    return session.execute(select(loan.pk, loan.id, loan.borrower_id, loan.currency, loan.status)
                           .where(loan.id == loan_id)).first()


def loan_currencies(session: Session, loan_ids: Sequence[str]) -> dict[str, str]:
    _, loan, *_ = _book()
    out: dict[str, str] = {}
    for c in _chunks(sorted(set(loan_ids))):
        out.update(session.execute(select(loan.id, loan.currency).where(loan.id.in_(list(c)))).all())
    return out


def borrower_row(session: Session, borrower_id: str):  # noqa: ANN201
    """(id, timezone, jurisdiction, language) of a borrower, or None."""
    *_, borrower, _ = _book()
    return session.execute(select(borrower.id, borrower.timezone, borrower.jurisdiction, borrower.language)
                           .where(borrower.id == borrower_id)).first()


def payments_for_pending(session: Session, as_of: date, since: date | None = None) -> pl.DataFrame:
    """Payments made from ``since`` (default: the earliest pending promise's day) to ``as_of`` on loans
    with a pending promise."""
    *_, payment = _book()
    from accord.cases.judging import PAYMENTS_SCHEMA

    if since is None:
        since = session.scalar(select(func.min(Promise.taken_on)).where(Promise.status == "pending"))
        if since is None:
            return pl.DataFrame(schema=PAYMENTS_SCHEMA)
    pending = (select(Promise.loan_pk).where(Promise.status == "pending", Promise.taken_on <= as_of)
               .distinct().subquery())
    stmt = (select(payment.loan_pk, payment.paid_on, payment.amount_minor)
            .join(pending, pending.c.loan_pk == payment.loan_pk)
            .where(payment.paid_on >= since, payment.paid_on <= as_of))
    return frame(session, stmt, PAYMENTS_SCHEMA)


# -- cases ------------------------------------------------------------------------------------------

def insert_cases(session: Session, df: pl.DataFrame) -> int:
    session.flush()
    # In loan order: the loan indexes of a large cases table then take their entries page by page.
    return bulk_insert(session, "cases", df.sort("loan_pk"))


def update_cases(session: Session, df: pl.DataFrame) -> int:
    session.flush()
    return bulk_update(session, "cases", df.sort("id"), ["id"])


def open_case_ids(session: Session, loan_pks: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for c in _chunks(loan_pks):
        out.update(session.execute(select(Case.loan_pk, Case.id)
                                   .where(Case.status == "open", Case.loan_pk.in_(list(c)))).all())
    return out


def get_case(session: Session, case_id: int) -> Case | None:
    return session.get(Case, case_id)


def open_case_for_loan(session: Session, loan_id: str) -> Case | None:
    return session.scalars(select(Case).where(Case.loan_id == loan_id, Case.status == "open")).first()


def list_cases(session: Session, *, status: str | None, stage: str | None, borrower_id: str | None,
               loan_id: str | None, limit: int, offset: int = 0) -> list[Case]:
    stmt = select(Case)
    for col, val in ((Case.status, status), (Case.stage, stage), (Case.borrower_id, borrower_id),
                     (Case.loan_id, loan_id)):
        if val is not None:
            stmt = stmt.where(col == val)
    return list(session.scalars(stmt.order_by(Case.id).limit(limit).offset(offset)))


def journal_for(session: Session, loan_id: str, borrower_id: str, limit: int = 5000) -> list:
    """Journal events about this loan, and the borrower's events not tied to another loan."""
    from accord.journal.models import JournalEntry as J

    stmt = (select(J).where(or_(J.loan_id == loan_id, and_(J.borrower_id == borrower_id, J.loan_id.is_(None))))
            .order_by(J.seq).limit(limit))
    return list(session.scalars(stmt))


# -- holds ------------------------------------------------------------------------------------------

HOLDS_SCHEMA = {"hold_id": pl.Int64, "borrower_id": pl.String, "kind": pl.String, "form": pl.String,
                "loan_id": pl.String, "case_id": pl.Int64, "opened_at": pl.Datetime("us", "UTC"),
                "source": pl.String}


def active_holds_frame(session: Session, borrower_ids: Sequence[str] | None, at: datetime | None) -> pl.DataFrame:
    cols = (Hold.id, Hold.borrower_id, Hold.kind, Hold.form, Hold.loan_id, Hold.case_id, Hold.opened_at,
            Hold.source)
    active = Hold.released_at.is_(None) if at is None else \
        and_(Hold.opened_at <= at, or_(Hold.released_at.is_(None), Hold.released_at > at))
    if borrower_ids is None:
        return frame(session, select(*cols).where(active).order_by(Hold.id), HOLDS_SCHEMA)
    ids = sorted(set(borrower_ids))
    if len(ids) > CHUNK:  # the whole book: active holds are few, filtering them beats 5,000-id IN lists
        every = frame(session, select(*cols).where(active).order_by(Hold.id), HOLDS_SCHEMA)
        return every.filter(pl.col("borrower_id").is_in(ids))
    parts = [frame(session, select(*cols).where(active, Hold.borrower_id.in_(list(c))), HOLDS_SCHEMA)
             for c in _chunks(ids)]
    return pl.concat(parts).sort("hold_id") if parts else pl.DataFrame(schema=HOLDS_SCHEMA)


def holds(session: Session, *, borrower_id: str | None = None, active_only: bool = False,
          source: str | None = None, case_id: int | None = None, loan_id: str | None = None,
          limit: int = 1000) -> list[Hold]:
    stmt = select(Hold)
    if borrower_id is not None:
        stmt = stmt.where(Hold.borrower_id == borrower_id)
    if source is not None:
        stmt = stmt.where(Hold.source == source)
    if active_only:
        stmt = stmt.where(Hold.released_at.is_(None))
    if case_id is not None or loan_id is not None:
        stmt = stmt.where(or_(Hold.case_id == case_id, Hold.loan_id == loan_id,
                              and_(Hold.case_id.is_(None), Hold.loan_id.is_(None))))
    return list(session.scalars(stmt.order_by(Hold.id).limit(limit)))


# -- promises ---------------------------------------------------------------------------------------

def pending_promises_frame(session: Session, as_of: date) -> pl.DataFrame:
    stmt = select(Promise.id, Promise.loan_pk, Promise.amount_minor, Promise.due_on, Promise.taken_on,
                  Promise.loan_id, Promise.borrower_id, Promise.case_id).where(
        Promise.status == "pending", Promise.taken_on <= as_of)
    from accord.cases.judging import PROMISES_SCHEMA

    return frame(session, stmt, {**PROMISES_SCHEMA, "loan_id": pl.String, "borrower_id": pl.String,
                                 "case_id": pl.Int64})


def promises_by_ids(session: Session, ids: list[int]) -> list[Promise]:
    out: list[Promise] = []
    for c in _chunks(ids):
        out.extend(session.scalars(select(Promise).where(Promise.id.in_(list(c)))))
    return sorted(out, key=lambda p: p.id)


def pending_for_loan(session: Session, loan_id: str) -> list[Promise]:
    return list(session.scalars(select(Promise).where(Promise.loan_id == loan_id, Promise.status == "pending")))


def promises_due_on(session: Session, due_on: date) -> list[Promise]:
    return list(session.scalars(select(Promise).where(Promise.status == "pending", Promise.due_on == due_on)
                                .order_by(Promise.id)))


def list_promises(session: Session, *, status: str | None, case_id: int | None, loan_id: str | None,
                  borrower_id: str | None, limit: int) -> list[Promise]:
    stmt = select(Promise)
    for col, val in ((Promise.status, status), (Promise.case_id, case_id), (Promise.loan_id, loan_id),
                     (Promise.borrower_id, borrower_id)):
        if val is not None:
            stmt = stmt.where(col == val)
    return list(session.scalars(stmt.order_by(Promise.id).limit(limit)))


def update_promises(session: Session, df: pl.DataFrame) -> int:
    session.flush()
    return bulk_update(session, "promises", df, ["id"])


# -- disputes ---------------------------------------------------------------------------------------

def get_dispute(session: Session, dispute_id: int) -> Dispute | None:
    return session.get(Dispute, dispute_id)


def list_disputes(session: Session, *, status: str | None, borrower_id: str | None, case_id: int | None,
                  overdue_at: datetime | None, limit: int) -> list[Dispute]:
    stmt = select(Dispute)
    for col, val in ((Dispute.status, status), (Dispute.borrower_id, borrower_id), (Dispute.case_id, case_id)):
        if val is not None:
            stmt = stmt.where(col == val)
    if overdue_at is not None:
        stmt = stmt.where(Dispute.status == "open", Dispute.sla_due_at < overdue_at)
    return list(session.scalars(stmt.order_by(Dispute.sla_due_at if overdue_at else Dispute.id).limit(limit)))


def disputes_for(session: Session, loan_id: str, borrower_id: str) -> list[Dispute]:
    return list(session.scalars(select(Dispute).where(
        Dispute.borrower_id == borrower_id, or_(Dispute.loan_id == loan_id, Dispute.loan_id.is_(None)))
        .order_by(Dispute.id)))
