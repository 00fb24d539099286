"""Stored gate decisions: every allow and every block, with rule ids, so a compliance officer can answer
"why was this borrower contacted at 21:05?" and "how many contacts did the gate stop this week, by rule?"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime


class GateDecisionRecord(Base):
    __tablename__ = "gate_decisions"
    __table_args__ = (
        Index("ix_gate_decisions_borrower_planned", "borrower_id", "planned_at"),
        Index("ix_gate_decisions_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)                      # when the gate decided
    policy: Mapped[str] = mapped_column(String(8))
    policy_version: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(8))                       # allow / block
    rules: Mapped[list] = mapped_column(JSON, default=list)                # violated rule ids
    messages: Mapped[list] = mapped_column(JSON, default=list)             # [{rule, message}]
    action_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    borrower_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    channel: Mapped[str] = mapped_column(String(32))
    planned_at: Mapped[datetime] = mapped_column(UtcDateTime)              # the contact's planned time
