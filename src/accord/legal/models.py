"""Tables of the legal track: a matter (mediation or lawsuit) per case and its steps.

Money is integer minor units; documents are stored by content hash (``{name, sha256, size}``), the
files themselves in the evidence store shared with disputes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, BigId, UtcDateTime


class LegalMatter(Base):
    """A mediation (调解: requested → accepted → agreement | failed | withdrawn) or a lawsuit (诉讼:
    filed → accepted → hearing → judgment → enforcement 执行 → concluded | withdrawn) on a case."""

    __tablename__ = "legal_matters"
    __table_args__ = (Index("ix_legal_matters_status_track", "status", "track"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    loan_id: Mapped[str] = mapped_column(String(64), index=True)
    borrower_id: Mapped[str] = mapped_column(String(64), index=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    track: Mapped[str] = mapped_column(String(12))  # mediation | lawsuit
    state: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    forum: Mapped[str | None] = mapped_column(String(200), nullable=True)  # court or mediator
    case_number: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 案号
    claim_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    judgment_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The case stage before the matter set it to "legal", restored when the last matter closes.
    prior_stage: Mapped[str | None] = mapped_column(String(24), nullable=True)
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class LegalStep(Base):
    """One step of a matter: a state change, or property preservation (财产保全) on a lawsuit, which
    leaves the state as it is. ``seq`` counts from 1 (the opening step) per matter."""

    __tablename__ = "legal_steps"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("legal_matters.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # the state reached, or "preservation"
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    step_on: Mapped[date] = mapped_column(Date)
    forum: Mapped[str | None] = mapped_column(String(200), nullable=True)
    case_number: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    documents: Mapped[list] = mapped_column(JSON, default=list)  # [{name, sha256, size}]
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
