"""The payment waterfall, vectorised and pure.

Items are (group, outstanding) pairs already sorted by group and, within a group, by priority (for
the default rule: oldest installment first; within it penalty → fee → interest → principal). Each group
(a loan) has an amount available; items are paid in order until it runs out. Integer minor units
throughout, so the sum of allocations equals what was spent exactly.
"""

from __future__ import annotations

import numpy as np

COMPONENTS = ("penalty", "fee", "interest", "principal")


def allocate(available: np.ndarray, group: np.ndarray, outstanding: np.ndarray) -> np.ndarray:
    """``available[g]`` per group; ``group[k]`` (non-decreasing) and ``outstanding[k] >= 0`` per item.
    Returns the allocation per item: in order, never more than outstanding, never more in total per
    group than available."""
    if len(outstanding) == 0:
        return np.zeros(0, dtype=np.int64)
    outstanding = outstanding.astype(np.int64)
    cum = np.cumsum(outstanding)
    # Cumulative outstanding *before* each item, restarted at each group.
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    before_group = np.repeat(cum[starts] - outstanding[starts], np.diff(np.r_[starts, len(group)]))
    before = cum - outstanding - before_group
    avail = available[group].astype(np.int64)
    return np.clip(avail - before, 0, outstanding)


def order_keys(across: str, due: np.ndarray, inst_no: np.ndarray, rank: np.ndarray) -> tuple:
    """Sort keys (for np.lexsort, last key primary after the group key) of the two waterfall rules."""
    if across == "component_first":
        return (inst_no, due, rank)
    return (rank, inst_no, due)
