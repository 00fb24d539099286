"""Tables of the collection workflow: cases, holds, promises to pay, disputes and complaints.

Money is integer minor units (``*_minor``); timestamps are aware UTC (``UtcDateTime``); loans and
borrowers are referenced by their external string ids, plus ``loan_pk`` where the batch path joins on it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime


class Case(Base):
    """A collection case (催收案件): opens when a loan enters collection, closes on cure, payoff,
    settlement or write-off. At most one open case per loan (partial unique index)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("uq_cases_open_loan", "loan_pk", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_cases_status_stage", "status", "stage"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), index=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    # The stage is the bucket (M1..M7) unless a named stage (placed, legal, ...) was set by a workflow.
    stage: Mapped[str] = mapped_column(String(24))
    bucket: Mapped[str] = mapped_column(String(8))
    dpd: Mapped[int] = mapped_column(Integer)
    owner_kind: Mapped[str] = mapped_column(String(12), default="queue")  # queue | agent | agency
    owner_id: Mapped[str] = mapped_column(String(64), default="default")
    strategy: Mapped[str | None] = mapped_column(String(64), nullable=True)
    arm: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    close_reason: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # Feedback for the strategy: e.g. "broken_promise_followup" after a broken promise to pay.
    next_step: Mapped[str | None] = mapped_column(String(40), nullable=True)
    next_step_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    broken_promises: Mapped[int] = mapped_column(Integer, default=0)
    updated_on: Mapped[date] = mapped_column(Date)


class Hold(Base):
    """A stop on collection contacts for a borrower (or one loan / case): dispute, cease, opt-out,
    legal, vulnerability, bankruptcy, attorney, mental capacity. Active while ``released_at`` is null."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_borrower_active", "borrower_id", "released_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    loan_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    form: Mapped[str] = mapped_column(String(8), default="written")  # written | oral
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    release_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Where it came from: "agent:A1", "reply:123", "dispute:7" (a dispute's hold is released with it).
    source: Mapped[str] = mapped_column(String(64), index=True)


class Promise(Base):
    """A promise to pay (承诺还款): pending → kept / partly_kept / broken / cancelled."""

    __tablename__ = "promises"
    __table_args__ = (Index("ix_promises_status_due", "status", "due_on"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"))
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    due_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(16))
    taken_by: Mapped[str] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    taken_on: Mapped[date] = mapped_column(Date)  # taken_at as a business date in the borrower's zone
    status: Mapped[str] = mapped_column(String(12), default="pending")
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    judged_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Dispute(Base):
    """A dispute of the debt or a complaint (异议 / 投诉), with its SLA, resolution and survey."""

    __tablename__ = "disputes"
    __table_args__ = (Index("ix_disputes_status_sla", "status", "sla_due_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True)
    loan_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(24))
    form: Mapped[str] = mapped_column(String(8))  # written | oral
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    within_validation_period: Mapped[bool] = mapped_column(Boolean, default=False)
    sla_due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    contact_event_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attachments: Mapped[list] = mapped_column(JSON, default=list)  # [{name, sha256, size}]
    opened_by: Mapped[str] = mapped_column(String(64))
    survey_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    survey_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    surveyed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
