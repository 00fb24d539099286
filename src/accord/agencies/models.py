"""Tables of agency placement (委外催收): agencies, placements of cases with them, and each
placement's status history. Money is integer minor units; rates are exact decimals stored as text."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, DecimalText, UtcDateTime

# A placement is "active" while notified (waiting for the hand-over date) or handed over.
ACTIVE = ("notified", "handed_over")
_ACTIVE_SQL = text("status IN ('notified', 'handed_over')")


class Agency(Base):
    """A debt collection agency (催收机构) under contract: commission, jurisdictions, capacity, and the
    yearly evaluation CN-OUT-01 requires before cases may be handed to it."""

    __tablename__ = "agencies"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # short code, e.g. "huaxin"; actor agency:ID
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    commission_rate: Mapped[Decimal] = mapped_column(DecimalText)  # share of collections, 0.25 = 25 %
    commission_by_bucket: Mapped[dict] = mapped_column(JSON, default=dict)  # {"M4": "0.30"} overrides
    jurisdictions: Mapped[list] = mapped_column(JSON, default=list)
    capacity: Mapped[int] = mapped_column(Integer)  # maximum active placements
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_evaluated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    evaluation_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    contract_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)
    dpa_ref: Mapped[str | None] = mapped_column(String(120), nullable=True)  # data-processing agreement (PIPL art. 21)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Placement(Base):
    """One case placed with one agency: notified → handed_over → recalled / returned / expired (or
    recalled before the hand-over). At most one active placement per case (partial unique index)."""

    __tablename__ = "placements"
    __table_args__ = (
        Index("uq_placements_active_case", "case_id", unique=True,
              sqlite_where=_ACTIVE_SQL, postgresql_where=_ACTIVE_SQL),
        Index("ix_placements_agency_status", "agency_id", "status"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    loan_pk: Mapped[int] = mapped_column(BigId)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    commission_rate: Mapped[Decimal] = mapped_column(DecimalText)  # fixed when placed
    bucket: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(96))  # "manual" or "proposal:<action id>"
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    placed_on: Mapped[date] = mapped_column(Date)
    placed_by: Mapped[str] = mapped_column(String(64))
    notice_message_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    handover_on: Mapped[date] = mapped_column(Date)  # earliest hand-over: notice + N days
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # end of the placement term
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The case's owner and stage before the hand-over, restored when the case comes back.
    prev_owner_kind: Mapped[str | None] = mapped_column(String(12), nullable=True)
    prev_owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_stage: Mapped[str | None] = mapped_column(String(24), nullable=True)


class PlacementEvent(Base):
    """The status history of a placement, each step with its journal entry (for receipts)."""

    __tablename__ = "placement_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    placement_id: Mapped[int] = mapped_column(ForeignKey("placements.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    journal_seq: Mapped[int | None] = mapped_column(BigId, nullable=True)
