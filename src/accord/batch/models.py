from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, UtcDateTime


class Run(Base):
    """One completed daily run; makes ``accord run`` idempotent and lets it catch up missed days."""

    __tablename__ = "runs"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    processed_from: Mapped[date] = mapped_column(Date)
    steps: Mapped[dict] = mapped_column(JSON, default=dict)
