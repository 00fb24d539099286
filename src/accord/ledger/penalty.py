"""Penalty interest (罚息): accrues daily on overdue principal at ``penalty_rate_daily`` for each day
past due beyond ``grace_days``. Each day's accrual is rounded half-up to the cent per installment."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

RATE_SCALE = 10**9  # rates travel as integer parts-per-billion so the maths stays in integers


def rate_ppb(rate: Decimal) -> int:
    scaled = Decimal(rate) * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"penalty rate {rate} has more than 9 decimals")
    return int(scaled)


def daily_accrual(principal_overdue: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """One day's penalty in minor units: round_half_up(principal × rate)."""
    return (principal_overdue.astype(np.int64) * rate.astype(np.int64) + RATE_SCALE // 2) // RATE_SCALE


def accrues(days_past_due: np.ndarray, grace_days: np.ndarray) -> np.ndarray:
    """Day k past due accrues when k > grace (with grace 3: days 1–3 free, day 4 accrues)."""
    return days_past_due > grace_days
