"""The payment waterfall (ledger/waterfall.allocate) and penalty accrual (ledger/penalty), pure."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.ledger.penalty import accrues, daily_accrual, rate_ppb
from accord.ledger.waterfall import allocate, order_keys


def alloc(available, group, outstanding):
    return allocate(np.array(available, dtype=np.int64), np.array(group, dtype=np.int64),
                    np.array(outstanding, dtype=np.int64)).tolist()


def test_items_are_paid_in_order_until_the_money_runs_out():
    # One loan, 150.00 available; items penalty 10, fee 20, interest 50, principal 100.
    assert alloc([15000], [0, 0, 0, 0], [1000, 2000, 5000, 10000]) == [1000, 2000, 5000, 7000]


def test_exact_amount_pays_everything_and_surplus_is_not_allocated():
    assert alloc([300], [0, 0], [100, 200]) == [100, 200]
    assert alloc([999], [0, 0], [100, 200]) == [100, 200]


def test_groups_are_independent():
    # Loan 0 has 5.00, loan 1 has nothing, loan 2 has 12.00.
    got = alloc([500, 0, 1200], [0, 0, 1, 2, 2, 2], [300, 300, 700, 1000, 100, 100])
    assert got == [300, 200, 0, 1000, 100, 100]


def test_zero_items_are_skipped_without_taking_money():
    assert alloc([100], [0, 0, 0], [0, 50, 80]) == [0, 50, 50]


def test_empty_input():
    assert alloc([100], [], []) == []


def test_order_keys_of_the_two_rules():
    due, no, rank = np.array([1, 2]), np.array([1, 2]), np.array([3, 0])
    # oldest_first: installment decides first (the last key of np.lexsort is primary), then component.
    assert [k.tolist() for k in order_keys("oldest_first", due, no, rank)] == [[3, 0], [1, 2], [1, 2]]
    assert [k.tolist() for k in order_keys("component_first", due, no, rank)] == [[1, 2], [1, 2], [3, 0]]


@st.composite
def waterfalls(draw):
    n_groups = draw(st.integers(1, 6))
    sizes = draw(st.lists(st.integers(0, 8), min_size=n_groups, max_size=n_groups))
    group = np.repeat(np.arange(n_groups), sizes)
    outstanding = np.array(draw(st.lists(st.integers(0, 10**7), min_size=len(group), max_size=len(group))),
                           dtype=np.int64)
    available = np.array(draw(st.lists(st.integers(0, 5 * 10**7), min_size=n_groups, max_size=n_groups)),
                         dtype=np.int64)
    return available, group, outstanding


@settings(max_examples=400, deadline=None)
@given(waterfalls())
def test_waterfall_properties(case):
    available, group, outstanding = case
    got = allocate(available, group, outstanding)
    assert got.dtype == np.int64
    assert (got >= 0).all() and (got <= outstanding).all()
    for g in range(len(available)):
        items = np.flatnonzero(group == g)
        # Everything available is spent, up to what is owed.
        assert got[items].sum() == min(available[g], outstanding[items].sum())
        # Priority: an item gets money only if every earlier item of its group is fully paid.
        for pos, k in enumerate(items):
            if got[k] > 0:
                earlier = items[:pos]
                assert (got[earlier] == outstanding[earlier]).all()


# -- penalty -----------------------------------------------------------------------------------------

def test_rate_ppb_is_exact_and_refuses_excess_precision():
    assert rate_ppb(Decimal("0.0005")) == 500_000
    assert rate_ppb(Decimal("0")) == 0
    with pytest.raises(ValueError, match="more than 9 decimals"):
        rate_ppb(Decimal("0.0000000001"))


@pytest.mark.parametrize("principal_minor,rate,expected", [
    (93396, "0.0005", 47),     # 933.96 × 0.05 % = 0.46698 → 0.47
    (100000, "0.0005", 50),    # 1000.00 → 0.50 exactly
    (1000, "0.0005", 1),       # 10.00 × 0.0005 = 0.005 → half-up 0.01
    (999, "0.0005", 0),        # 9.99 × 0.0005 = 0.004995 → 0.00
    (300, "0.0005", 0),        # 0.0015 → 0.00
    (0, "0.0005", 0),
    (1_000_000_000, "0.00066", 660_000),  # 10,000,000.00 × 0.066 % = 6,600.00
])
def test_daily_accrual_rounds_half_up_to_the_cent(principal_minor, rate, expected):
    got = daily_accrual(np.array([principal_minor]), np.array([rate_ppb(Decimal(rate))]))
    assert got.tolist() == [expected]


def test_grace_days_day_k_accrues_iff_k_above_grace():
    days = np.arange(0, 8)
    assert accrues(days, np.full(8, 3)).tolist() == [False, False, False, False, True, True, True, True]
    assert accrues(days, np.zeros(8, dtype=int)).tolist() == [False] + [True] * 7


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**10), st.integers(0, 10**6))
def test_daily_accrual_matches_decimal_half_up(principal_minor, ppb):
    from decimal import ROUND_HALF_UP

    exact = (Decimal(principal_minor) * Decimal(ppb) / Decimal(10**9)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    assert daily_accrual(np.array([principal_minor]), np.array([ppb])).tolist() == [int(exact)]
