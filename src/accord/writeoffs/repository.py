"""Queries of write-offs, recoveries and debt sales (all of them live here). Reads of the loan book
and the ledger are the few the feature needs, by primary key or on written-off loans only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accord.writeoffs.models import DebtSale, Recovery, WriteOff


def _book():  # noqa: ANN202 - the loan book and ledger are other features' tables, read here only
    from accord.ledger.models import Posting
    from accord.loans.models import Installment, Loan, Payment

    return Loan, Installment, Payment, Posting


def loan(session: Session, loan_id: str):  # noqa: ANN201
    Loan = _book()[0]
    return session.scalar(select(Loan).where(Loan.id == loan_id))


def last_run(session: Session) -> date | None:
    from accord.batch.repository import last_run as batch_last_run

    return batch_last_run(session)


def unsettled_installments(session: Session, loan_pk: int) -> list:
    Installment = _book()[1]
    return list(session.scalars(select(Installment).where(Installment.loan_pk == loan_pk,
                                                          Installment.settled_on.is_(None))
                                .order_by(Installment.installment_no)))


def unapplied_payments_through(session: Session, loan_pk: int, day: date) -> list:
    Payment = _book()[2]
    return list(session.scalars(select(Payment).where(Payment.loan_pk == loan_pk, Payment.applied_on.is_(None),
                                                      Payment.paid_on <= day).order_by(Payment.paid_on, Payment.id)))


def settle_installments(session: Session, loan_pk: int, day: date) -> int:
    Installment = _book()[1]
    r = session.execute(update(Installment).where(Installment.loan_pk == loan_pk, Installment.settled_on.is_(None))
                        .values(settled_on=day))
    return r.rowcount or 0


def add_postings(session: Session, rows: list[dict]) -> None:
    Posting = _book()[3]
    session.add_all([Posting(**r) for r in rows])


def write_off_for(session: Session, loan_pk: int) -> WriteOff | None:
    return session.scalar(select(WriteOff).where(WriteOff.loan_pk == loan_pk))


def write_off_by_loan_id(session: Session, loan_id: str) -> WriteOff | None:
    return session.scalar(select(WriteOff).where(WriteOff.loan_id == loan_id))


def sale_for(session: Session, loan_pk: int) -> DebtSale | None:
    return session.scalar(select(DebtSale).where(DebtSale.loan_pk == loan_pk))


def pending_recoveries(session: Session, as_of: date) -> list[tuple]:
    """Unapplied payments dated up to ``as_of`` on written-off loans: (payment, write-off), oldest first."""
    Loan, _, Payment, _ = _book()
    # Driven from the (few) write-offs through payments.loan_pk: the book's many unapplied payments are
    # never scanned.
    stmt = (select(Payment, WriteOff).select_from(WriteOff).join(Payment, Payment.loan_pk == WriteOff.loan_pk)
            .join(Loan, Loan.pk == WriteOff.loan_pk)
            .where(Loan.status == "written_off", Payment.applied_on.is_(None), Payment.paid_on <= as_of)
            .order_by(Payment.loan_pk, Payment.paid_on, Payment.paid_at, Payment.id))
    return list(session.execute(stmt).all())


def recovered_by_component(session: Session, loan_pk: int) -> dict[str, int]:
    """Recovery postings of a loan summed per component (what was already recovered)."""
    Posting = _book()[3]
    row = session.execute(select(func.coalesce(func.sum(Posting.principal), 0),
                                 func.coalesce(func.sum(Posting.interest), 0),
                                 func.coalesce(func.sum(Posting.fee), 0),
                                 func.coalesce(func.sum(Posting.penalty), 0))
                          .where(Posting.loan_pk == loan_pk, Posting.kind == "recovery")).one()
    return dict(zip(("principal", "interest", "fee", "penalty"), (int(v) for v in row), strict=True))


def recoveries_for(session: Session, write_off_ids: list[int]) -> dict[int, list[Recovery]]:
    out: dict[int, list[Recovery]] = {i: [] for i in write_off_ids}
    for i in range(0, len(write_off_ids), 5000):
        for r in session.scalars(select(Recovery).where(Recovery.write_off_id.in_(write_off_ids[i:i + 5000]))
                                 .order_by(Recovery.applied_on, Recovery.id)):
            out[r.write_off_id].append(r)
    return out


def recovery_postings(session: Session, payment_ids: list[str]) -> dict[str, dict]:
    Posting = _book()[3]
    out: dict[str, dict] = {}
    for i in range(0, len(payment_ids), 5000):
        for p in session.scalars(select(Posting).where(Posting.kind == "recovery",
                                                       Posting.payment_id.in_(payment_ids[i:i + 5000]))):
            out[p.payment_id] = {"principal": p.principal, "interest": p.interest, "fee": p.fee,
                                 "penalty": p.penalty, "excess": p.credit}
    return out


def recoveries_between(session: Session, start: date, end: date) -> list[tuple[Recovery, WriteOff]]:
    stmt = (select(Recovery, WriteOff).join(WriteOff, WriteOff.id == Recovery.write_off_id)
            .where(Recovery.applied_on >= start, Recovery.applied_on <= end)
            .order_by(Recovery.applied_on, Recovery.id))
    return list(session.execute(stmt).all())


def list_write_offs(session: Session, *, for_sale: bool, limit: int, offset: int) -> list[tuple]:
    stmt = select(WriteOff, DebtSale).outerjoin(DebtSale, DebtSale.write_off_id == WriteOff.id)
    if for_sale:
        stmt = stmt.where(DebtSale.id.is_not(None))
    return list(session.execute(stmt.order_by(WriteOff.id).limit(limit).offset(offset)).all())


def recovered_totals(session: Session, write_off_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for i in range(0, len(write_off_ids), 5000):
        out.update(session.execute(select(Recovery.write_off_id, func.sum(Recovery.amount_minor))
                                   .where(Recovery.write_off_id.in_(write_off_ids[i:i + 5000]))
                                   .group_by(Recovery.write_off_id)).all())
    return {k: int(v) for k, v in out.items()}
