"""Queries of the arrangements feature: the loan's installments and context for the offer engine,
arrangement rows, and the writes of a restructure (installment rows and postings)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.arrangements.models import OPEN_STATUSES, Arrangement
from accord.arrangements.restructure import Row


def _book():  # noqa: ANN202 - the loan book and ledger are other features' tables (read and posted to)
    from accord.loans.models import Borrower, Installment, Loan, Payment

    return Loan, Borrower, Installment, Payment


def loan(session: Session, loan_id: str):  # noqa: ANN201
    Loan, *_ = _book()
    return session.scalar(select(Loan).where(Loan.id == loan_id))


def borrower(session: Session, borrower_id: str):  # noqa: ANN201
    _, Borrower, *_ = _book()
    return session.get(Borrower, borrower_id)


def last_run(session: Session) -> date | None:
    from accord.batch.repository import last_run as _last

    return _last(session)


def unsettled_installments(session: Session, loan_pk: int) -> list:
    _, _, Inst, _ = _book()
    return list(session.scalars(select(Inst).where(Inst.loan_pk == loan_pk, Inst.settled_on.is_(None))
                                .order_by(Inst.installment_no)))


def installments(session: Session, loan_pk: int, nos: list[int]) -> list:
    _, _, Inst, _ = _book()
    if not nos:
        return []
    return list(session.scalars(select(Inst).where(Inst.loan_pk == loan_pk, Inst.installment_no.in_(nos))
                                .order_by(Inst.installment_no)))


def rows_of(insts: list, last: date | None) -> list[Row]:
    return [Row(i.installment_no, i.due_on, i.principal_due, i.interest_due, i.fee_due, i.principal_paid,
                i.interest_paid, i.fee_paid, i.penalty_accrued, i.penalty_paid, i.waived,
                charged=last is not None and i.due_on <= last) for i in insts]


def next_installment_no(session: Session, loan_pk: int) -> int:
    _, _, Inst, _ = _book()
    return int(session.scalar(select(func.max(Inst.installment_no)).where(Inst.loan_pk == loan_pk)) or 0) + 1


def latest_snapshot(session: Session, loan_pk: int, on: date):  # noqa: ANN201
    from accord.delinquency.models import DelinquencySnapshot as S

    return session.scalar(select(S).where(S.loan_pk == loan_pk, S.as_of <= on).order_by(S.as_of.desc()).limit(1))


def latest_p_bad(session: Session, loan_pk: int, on: date, target: str) -> float | None:
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("scores"):
        return None
    from accord.scoring.book_models import Score

    return session.scalar(select(Score.p_bad).where(Score.loan_pk == loan_pk, Score.target == target,
                                                    Score.as_of <= on).order_by(Score.as_of.desc()).limit(1))


def payments_since(session: Session, loan_pk: int, since: date) -> int:
    *_, Payment = _book()
    return int(session.scalar(select(func.count()).select_from(Payment)
                              .where(Payment.loan_pk == loan_pk, Payment.paid_on >= since)) or 0)


def accepted_since(session: Session, loan_pk: int, since: date) -> int:
    """Arrangements accepted on the loan since ``since`` (the per-12-months bound)."""
    from datetime import UTC, datetime, time

    at = datetime.combine(since, time(0), tzinfo=UTC)
    return int(session.scalar(select(func.count()).select_from(Arrangement)
                              .where(Arrangement.loan_pk == loan_pk, Arrangement.accepted_at >= at)) or 0)


def get(session: Session, arrangement_id: int, lock: bool = False) -> Arrangement | None:
    """``lock``: row lock (PostgreSQL) so that two concurrent accepts cannot both apply it."""
    return session.get(Arrangement, arrangement_id, with_for_update=lock or None)


def by_request_id(session: Session, request_id: str) -> Arrangement | None:
    return session.scalar(select(Arrangement).where(Arrangement.request_id == request_id))


def active_for_loan(session: Session, loan_pk: int) -> Arrangement | None:
    return session.scalar(select(Arrangement).where(Arrangement.loan_pk == loan_pk,
                                                    Arrangement.status.in_(("accepted", "active"))).limit(1))


def list_(session: Session, *, loan_id: str | None = None, status: str | None = None, limit: int = 200,
          offset: int = 0) -> list[Arrangement]:
    stmt = select(Arrangement)
    if loan_id:
        stmt = stmt.where(Arrangement.loan_id == loan_id)
    if status:
        stmt = stmt.where(Arrangement.status == status)
    return list(session.scalars(stmt.order_by(Arrangement.id).limit(limit).offset(offset)))


def for_loan(session: Session, loan_id: str) -> list[Arrangement]:
    return list(session.scalars(select(Arrangement).where(Arrangement.loan_id == loan_id).order_by(Arrangement.id)))


def active(session: Session) -> list[Arrangement]:
    return list(session.scalars(select(Arrangement).where(Arrangement.status == "active").order_by(Arrangement.id)))


def offers_expired_by(session: Session, day: date) -> list[Arrangement]:
    return list(session.scalars(select(Arrangement).where(Arrangement.status == "offered",
                                                          Arrangement.valid_until < day)))


def open_offers_for_loan(session: Session, loan_pk: int) -> list[Arrangement]:
    return list(session.scalars(select(Arrangement).where(Arrangement.loan_pk == loan_pk,
                                                          Arrangement.status.in_(OPEN_STATUSES))))


def add_installment(session: Session, loan_pk: int, no: int, due_on: date, amounts: dict) -> None:
    _, _, Inst, _ = _book()
    session.add(Inst(loan_pk=loan_pk, installment_no=no, due_on=due_on, principal_due=amounts["principal"],
                     interest_due=amounts["interest"], fee_due=amounts["fee"], principal_paid=0, interest_paid=0,
                     fee_paid=0, penalty_accrued=amounts["penalty"], penalty_paid=0, waived=0,
                     settled_on=None if sum(amounts.values()) else due_on))


def add_posting(session: Session, loan_pk: int, kind: str, no: int | None, on: date, amounts: dict) -> None:
    from accord.ledger.models import Posting

    session.add(Posting(loan_pk=loan_pk, installment_no=no, kind=kind, effective_on=on,
                        principal=amounts.get("principal", 0), interest=amounts.get("interest", 0),
                        fee=amounts.get("fee", 0), penalty=amounts.get("penalty", 0), credit=0))


def days_ago(day: date, n: int) -> date:
    return day - timedelta(days=n)
