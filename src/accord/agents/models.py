from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base


class Agent(Base):
    """A collector (in-house or agency). ``can_see_pii`` lifts masking for roles that need full numbers."""

    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    daily_capacity: Mapped[int] = mapped_column(Integer, default=80)
    role: Mapped[str] = mapped_column(String(24), default="agent")  # agent, agency_agent, supervisor
    agency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    can_see_pii: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
