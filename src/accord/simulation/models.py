from __future__ import annotations

from sqlalchemy import Boolean, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base


class BorrowerTrait(Base):
    """Hidden traits of a synthetic borrower: the truth that drives their payments. Models never see
    this table; the simulator and tests of model quality do."""

    __tablename__ = "sim_borrower_traits"
    borrower_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ability: Mapped[float] = mapped_column(Float)
    willingness: Mapped[float] = mapped_column(Float)
    attention: Mapped[float] = mapped_column(Float)
    never_pay: Mapped[bool] = mapped_column(Boolean)
