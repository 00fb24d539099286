"""The ``scores`` table: one row per (as_of, loan, target) written by batch scoring of the book."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from accord.kit.db import Base


class Score(Base):
    """A model's verdict on a loan on a day: probability of the bad outcome of ``target``, points
    (null for models without a points scale), the model version that produced it, and the top
    reason codes (feature names, most adverse first)."""

    __tablename__ = "scores"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    loan_pk: Mapped[int] = mapped_column(BigInteger, ForeignKey("loans.pk"), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(120))
    p_bad: Mapped[float] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    reasons: Mapped[list] = mapped_column(JSON, default=list)
