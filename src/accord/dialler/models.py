"""One row per call action whose outcome a dialler reported: makes re-importing a file harmless."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base, UtcDateTime


class DiallerResult(Base):
    __tablename__ = "dialler_results"
    action_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    contact_event_id: Mapped[int] = mapped_column(BigInteger)
    outcome: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    source: Mapped[str] = mapped_column(String(300))  # file name and row: where the outcome came from
    row: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
