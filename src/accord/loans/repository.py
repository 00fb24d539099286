"""Queries of the loan book. Bulk reads and writes use Core statements, chunked for large books."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.loans.models import Borrower, Guarantor, Installment, Lender, Loan, Payment

CHUNK = 5000


def _chunks(ids: list, n: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def borrower_hashes(session: Session, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(session.execute(select(Borrower.id, Borrower.content_hash).where(Borrower.id.in_(chunk))).all())
    return out


def loan_hashes(session: Session, ids: list[str]) -> dict[str, tuple[int, str, str]]:
    """loan id → (pk, content hash, borrower id)."""
    out: dict[str, tuple[int, str, str]] = {}
    for chunk in _chunks(ids):
        for lid, pk, h, bid in session.execute(
            select(Loan.id, Loan.pk, Loan.content_hash, Loan.borrower_id).where(Loan.id.in_(chunk))
        ):
            out[lid] = (pk, h, bid)
    return out


def payment_hashes(session: Session, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(session.execute(select(Payment.id, Payment.content_hash).where(Payment.id.in_(chunk))).all())
    return out


def borrower_zones(session: Session, ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for chunk in _chunks(ids):
        out.update(session.execute(select(Borrower.id, Borrower.timezone).where(Borrower.id.in_(chunk))).all())
    return out


def existing_ids(session: Session, model, ids: list[str]) -> set[str]:  # noqa: ANN001
    out: set[str] = set()
    for chunk in _chunks(ids):
        out.update(session.scalars(select(model.id).where(model.id.in_(chunk))))
    return out


def next_loan_pk(session: Session) -> int:
    return (session.scalar(select(func.max(Loan.pk))) or 0) + 1


def insert_rows(session: Session, model, rows: list[dict]) -> None:  # noqa: ANN001
    for chunk in _chunks(rows, 20000):
        session.execute(model.__table__.insert(), chunk)


def get_loan(session: Session, loan_id: str) -> Loan | None:
    return session.scalars(select(Loan).where(Loan.id == loan_id)).first()


def installments_of(session: Session, loan_pk: int) -> list[Installment]:
    return list(session.scalars(select(Installment).where(Installment.loan_pk == loan_pk)
                                .order_by(Installment.installment_no)))


def ensure_parties(session: Session, lender_ids: set[str], guarantor_ids: set[str]) -> None:
    """Lenders and guarantors named on loans get a row (named by their id until described)."""
    new_l = lender_ids - existing_ids(session, Lender, sorted(lender_ids))
    new_g = guarantor_ids - existing_ids(session, Guarantor, sorted(guarantor_ids))
    insert_rows(session, Lender, [{"id": i, "name": i, "kind": "institution"} for i in sorted(new_l)])
    insert_rows(session, Guarantor, [{"id": i, "name": i} for i in sorted(new_g)])
