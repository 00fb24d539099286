"""The ``arrangements`` table: one row per arrangement offered on a loan, with its terms, the schedule
it created, approvals and status history (JSON: small, read whole, shown in the case file)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime
from accord.loans import models as _loans  # noqa: F401 - the table the foreign key points at

KINDS = ("plan", "extension", "settlement", "holiday", "reage")
STATUSES = ("offered", "accepted", "active", "completed", "broken", "cancelled", "expired")
OPEN_STATUSES = ("offered", "accepted", "active")


class Arrangement(Base):
    """offered → accepted → active → completed / broken (or cancelled / expired before acceptance).

    ``terms`` are the kind's parameters plus the figures shown to the borrower; ``plan_nos`` the
    installment numbers the borrower pays under it (monitored); ``remainder_no`` the row holding a
    settlement's discount until it is waived on completion; ``approval_needed`` is ``auto`` or
    ``manager`` with ``breaches`` naming every bound above the automatic level."""

    __tablename__ = "arrangements"
    __table_args__ = (Index("ix_arrangements_status_loan", "status", "loan_id"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), index=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12), default="offered")
    terms: Mapped[dict] = mapped_column(JSON, default=dict)
    approval_needed: Mapped[str] = mapped_column(String(12), default="auto")
    breaches: Mapped[list] = mapped_column(JSON, default=list)
    approvals: Mapped[list] = mapped_column(JSON, default=list)
    history: Mapped[list] = mapped_column(JSON, default=list)
    offered_by: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_until: Mapped[date] = mapped_column(Date)
    accepted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    start_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    plan_nos: Mapped[list] = mapped_column(JSON, default=list)
    remainder_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restructure: Mapped[dict] = mapped_column(JSON, default=dict)  # before / after / waived per component
    missed: Mapped[int] = mapped_column(Integer, default=0)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
