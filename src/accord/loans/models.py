"""Tables of the loan book. Money columns are integer minor units (``*_minor``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.crypto import Encrypted
from accord.kit.db import Base, BigId, DecimalText, UtcDateTime


class ImportBatch(Base):
    """One import run; its journal event holds a digest of every row it wrote."""

    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(40))  # "import" or "demo-data"
    files: Mapped[dict] = mapped_column(JSON, default=dict)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class Borrower(Base):
    __tablename__ = "borrowers"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    national_id: Mapped[str | None] = mapped_column(Encrypted, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="zh")
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    jurisdiction: Mapped[str] = mapped_column(String(8), default="CN")
    status: Mapped[str] = mapped_column(String(16), default="reachable")
    civil_capacity: Mapped[str] = mapped_column(String(16), default="full")
    flags: Mapped[list] = mapped_column(JSON, default=list)
    content_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)


class ContactPoint(Base):
    """A way to reach a borrower; the gate reads consent, opt-outs and bad numbers here."""

    __tablename__ = "contact_points"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # mobile, email, address, device
    value: Mapped[str] = mapped_column(String(200))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    bad_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ContactPerson(Base):
    """A registered contact person (联系人). Phone-book entries are kept only as evidence of origin."""

    __tablename__ = "contact_persons"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(16), default="registered")
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    refused_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Lender(Base):
    __tablename__ = "lenders"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="institution")


class Guarantor(Base):
    __tablename__ = "guarantors"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Loan(Base):
    __tablename__ = "loans"
    pk: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    borrower_id: Mapped[str] = mapped_column(ForeignKey("borrowers.id"), index=True)
    lender_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guarantor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), default="institution")  # institution | iou
    product: Mapped[str] = mapped_column(String(64), default="default")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    principal_minor: Mapped[int] = mapped_column(BigInteger)
    annual_rate: Mapped[Decimal] = mapped_column(DecimalText)
    disbursed_on: Mapped[date] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(Integer)
    repayment_method: Mapped[str] = mapped_column(String(20))
    penalty_rate_daily: Mapped[Decimal] = mapped_column(DecimalText, default=Decimal(0))
    grace_days: Mapped[int] = mapped_column(Integer, default=0)
    schedule_source: Mapped[str] = mapped_column(String(12), default="generated")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    credit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)


class Installment(Base):
    """A scheduled installment and its running state. The ``*_paid`` / ``penalty_accrued`` columns are a
    projection of the ledger's postings kept for the daily run; ``accord ledger verify`` re-derives them."""

    __tablename__ = "installments"
    # The daily run reads only unsettled installments: a partial index keeps that a short scan.
    __table_args__ = (
        Index("ix_installments_unsettled", "loan_pk", "installment_no",
              sqlite_where=text("settled_on IS NULL"), postgresql_where=text("settled_on IS NULL")),
        # Unpaid installments by due date (pre-due cases, migration 0410), with the loan so that the daily
        # run's "what is due by today" read never touches the table (migration 1000).
        Index("ix_installments_unsettled_due", "due_on", "loan_pk",
              sqlite_where=text("settled_on IS NULL"), postgresql_where=text("settled_on IS NULL")),
    )
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), primary_key=True)
    installment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)
    principal_due: Mapped[int] = mapped_column(BigInteger)
    interest_due: Mapped[int] = mapped_column(BigInteger)
    fee_due: Mapped[int] = mapped_column(BigInteger, default=0)
    principal_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    interest_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_accrued: Mapped[int] = mapped_column(BigInteger, default=0)
    penalty_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    waived: Mapped[int] = mapped_column(BigInteger, default=0)
    settled_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the lender's payment id
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), index=True)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    paid_on: Mapped[date] = mapped_column(Date, index=True)  # business date in the borrower's zone
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str | None] = mapped_column(String(32), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    applied_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    batch_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
