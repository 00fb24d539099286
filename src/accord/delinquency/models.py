from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base


class DelinquencySnapshot(Base):
    """One row per open loan per day (the state at the end of ``as_of``)."""

    __tablename__ = "delinquency_snapshots"
    __table_args__ = (Index("ix_delinquency_snapshots_as_of_bucket", "as_of", "bucket"),)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    loan_pk: Mapped[int] = mapped_column(ForeignKey("loans.pk"), primary_key=True)
    dpd: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(8))
    overdue_principal: Mapped[int] = mapped_column(BigInteger)
    overdue_interest: Mapped[int] = mapped_column(BigInteger)
    overdue_fees: Mapped[int] = mapped_column(BigInteger)
    penalty: Mapped[int] = mapped_column(BigInteger)
    outstanding_principal: Mapped[int] = mapped_column(BigInteger)
    prev_bucket: Mapped[str | None] = mapped_column(String(8), nullable=True)
    transition: Mapped[str] = mapped_column(String(12))  # new, stay, roll_forward, roll_back, cure
    closed: Mapped[bool] = mapped_column(Boolean, default=False)  # paid off that day
