"""Tables of batch scoring: ``scores`` (one row per day, loan and target) and ``score_monitoring``
(one row per day, target and monitored variable)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Integer, String
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


class ScoreMonitoring(Base):
    """One day's population stability check of a target's scores (风险模型监控): the PSI of the
    scores and of the model's top features against its development sample, as computed by the
    daily scoring. ``status`` is ``warn`` above 0.25 (the population shifted), else ``ok``."""

    __tablename__ = "score_monitoring"
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    variable: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # score | feature
    model_version: Mapped[str] = mapped_column(String(120))
    psi: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(8))  # ok | warn
    accounts: Mapped[int] = mapped_column(Integer)  # accounts scored that day
