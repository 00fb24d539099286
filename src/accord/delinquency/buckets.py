"""DPD and bucket rules, pure (contracts.md): DPD counts days from the due date of the oldest
installment not fully paid (the due date itself is day 0); M0 = 0, M1 = 1–30, … M7 = 181+."""

from __future__ import annotations

import numpy as np

DEFAULT_BOUNDS = (0, 30, 60, 90, 120, 150, 180)

# Transitions between consecutive days' buckets.
NEW, STAY, ROLL_FORWARD, ROLL_BACK, CURE = "new", "stay", "roll_forward", "roll_back", "cure"
TRANSITIONS = (NEW, STAY, ROLL_FORWARD, ROLL_BACK, CURE)


def bucket_index(dpd: np.ndarray, bounds: tuple[int, ...] = DEFAULT_BOUNDS) -> np.ndarray:
    """0 for M0 … len(bounds) for the last bucket; ``bounds`` are the upper DPD of M0..M(n-1)."""
    return np.searchsorted(np.asarray(bounds), dpd, side="left").astype(np.int8)


def bucket_name(i: int) -> str:
    return f"M{int(i)}"


def transition_codes(prev: np.ndarray, cur: np.ndarray) -> np.ndarray:
    """Index into TRANSITIONS for each loan; ``prev`` is -1 where there was no earlier snapshot."""
    out = np.full(cur.shape, 1, dtype=np.int8)  # stay
    out[cur > prev] = 2
    out[(cur < prev) & (cur > 0)] = 3
    out[(cur == 0) & (prev > 0)] = 4
    out[prev < 0] = 0
    return out


def dpd_of(oldest_unpaid_due: np.ndarray, has_unpaid: np.ndarray, day: int) -> np.ndarray:
    """Vectorised DPD for one as-of day (epoch days)."""
    return np.where(has_unpaid & (oldest_unpaid_due < day), day - oldest_unpaid_due, 0).astype(np.int32)
