from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, UtcDateTime


class Action(Base):
    """A contact (or task) the daily run planned: planned → blocked, or → queued → sent / failed."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_plan_date_status", "plan_date", "status"),)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # plan date + loan + ladder step: re-runs collide
    plan_date: Mapped[date] = mapped_column(Date)
    loan_pk: Mapped[int] = mapped_column(BigInteger, index=True)
    loan_id: Mapped[str] = mapped_column(String(64))
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    case_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    segment: Mapped[str] = mapped_column(String(64))
    ladder: Mapped[str] = mapped_column(String(64))
    step: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(24))
    template: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tone: Mapped[str] = mapped_column(String(12))
    lang: Mapped[str] = mapped_column(String(8))
    target: Mapped[str | None] = mapped_column(String(200), nullable=True)
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    local_time: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # planned, blocked, queued, sent, failed, cancelled
    rules: Mapped[list] = mapped_column(JSON, default=list)
    arm: Mapped[str] = mapped_column(String(64))
    experiment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    strategy: Mapped[str] = mapped_column(String(64))


class ContactHour(Base):
    """What a borrower's contact history says about one local hour of the day (0–23 in the borrower's
    own zone): contacts that reached them then (answered calls, replies, payments soon after a message)
    and attempts made then. Learnt in bulk by the daily run; the schedule sends at the best hour."""

    __tablename__ = "contact_hours"
    borrower_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    hour: Mapped[int] = mapped_column(Integer, primary_key=True)
    positives: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_on: Mapped[date] = mapped_column(Date)
