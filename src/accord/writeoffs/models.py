"""Tables of write-offs (核销), recoveries after write-off and debt sales.

The amounts written off per component are also ``write_off`` postings (one per unsettled
installment); a recovery is also a ``recovery`` posting carrying its payment id. These rows are the
feature's own record: who, why, when, and the one-per-loan / one-per-payment guarantees.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime


class WriteOff(Base):
    """A loan written off, at most once (unique ``loan_pk``), with the amounts per component."""

    __tablename__ = "write_offs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), unique=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(String(24))
    written_off_on: Mapped[date] = mapped_column(Date)
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    interest_minor: Mapped[int] = mapped_column(BigInteger)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    penalty_minor: Mapped[int] = mapped_column(BigInteger)
    # Credit held on the loan at write-off (owed to the borrower: refund or apply by hand).
    credit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Recovery(Base):
    """A payment received for a written-off loan, recorded once (unique ``payment_id``)."""

    __tablename__ = "recoveries"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    write_off_id: Mapped[int] = mapped_column(ForeignKey("write_offs.id"), index=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    payment_id: Mapped[str] = mapped_column(String(64), unique=True)
    paid_on: Mapped[date] = mapped_column(Date)
    applied_on: Mapped[date] = mapped_column(Date, index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    # Beyond everything written off (an overpayment): held for a refund.
    excess_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # Received after the loan was sold: the money belongs to the buyer.
    after_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    run_as_of: Mapped[date] = mapped_column(Date)


class DebtSale(Base):
    """A loan flagged for sale (债权转让) to a buyer at a price, with the evidence file (the case-file
    export zip) identified by its SHA-256 and size. At most one per loan."""

    __tablename__ = "debt_sales"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), unique=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    write_off_id: Mapped[int] = mapped_column(ForeignKey("write_offs.id"))
    buyer: Mapped[str] = mapped_column(String(200))
    price_minor: Mapped[int] = mapped_column(BigInteger)
    evidence_name: Mapped[str] = mapped_column(String(255))
    evidence_sha256: Mapped[str] = mapped_column(String(64))
    evidence_size: Mapped[int] = mapped_column(BigInteger)
    flagged_on: Mapped[date] = mapped_column(Date)
    # Whether the loan was still open when flagged (it was then written off with reason "sold").
    was_open: Mapped[bool] = mapped_column(Boolean, default=False)
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
