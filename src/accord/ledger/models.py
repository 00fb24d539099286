"""Postings. One row per money movement on one installment (or the loan), with one signed column per
component so that a payment allocated across penalty, fee, interest and principal is one row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId

# Posting kinds (domain-model.md): what happened to the money.
DISBURSEMENT = "disbursement"  # principal lent (loan level)
CHARGE = "charge"  # interest and fees falling due on an installment (利息 / 费用)
PENALTY = "penalty"  # penalty interest accrued (罚息)
ALLOCATION = "allocation"  # a payment (or held credit) applied to an installment
CREDIT = "credit"  # overpayment held as credit (positive) or consumed (negative)
WAIVER = "waiver"  # amounts forgiven by an arrangement (减免)
WRITE_OFF = "write_off"
# Amounts moved between installments by an arrangement (closed-out rows negative, new rows positive):
# per loan and component they sum to zero (accord.arrangements.restructure).
RESTRUCTURE = "restructure"
KINDS = (DISBURSEMENT, CHARGE, PENALTY, ALLOCATION, CREDIT, WAIVER, WRITE_OFF, RESTRUCTURE)


class Posting(Base):
    __tablename__ = "postings"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), index=True)
    installment_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    principal: Mapped[int] = mapped_column(BigInteger, default=0)
    interest: Mapped[int] = mapped_column(BigInteger, default=0)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    payment_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    run_as_of: Mapped[date | None] = mapped_column(Date, nullable=True)
