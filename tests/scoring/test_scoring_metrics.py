"""Metrics against hand-checked values, plus properties that must hold for any data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.scoring import metrics as m


def test_auc_and_ks_hand_checked():
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    # Pairs (bad, good): (0.35>0.1) yes, (0.35>0.4) no, (0.8>0.1) yes, (0.8>0.4) yes -> 3/4.
    assert m.auc(y, p) == pytest.approx(0.75)
    assert m.gini(y, p) == pytest.approx(0.5)
    # Cut at 0.8: bads 1/2, goods 0/2 -> gap 0.5; cut at 0.35: bads 2/2, goods 1/2 -> 0.5.
    assert m.ks(y, p) == pytest.approx(0.5)


def test_auc_extremes_and_ties():
    assert m.auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert m.auc([0, 0, 1, 1], [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert m.ks([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert m.auc([0, 1], [0.5, 0.5]) == 0.5  # a tie counts one half
    assert m.ks([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == 0.0


def test_auc_needs_both_classes():
    with pytest.raises(ValueError):
        m.auc([1, 1], [0.2, 0.3])


def test_psi_hand_checked():
    # (0.25-0.5)ln(0.5) + (0.75-0.5)ln(1.5) = 0.17329 + 0.10137
    assert m.psi_from_shares([0.5, 0.5], [0.25, 0.75]) == pytest.approx(0.274653, abs=1e-6)
    assert m.psi_from_shares([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_psi_on_values_flags_a_shift_only():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=20_000)
    assert m.psi(ref, rng.normal(size=20_000)) < 0.01
    shifted = m.psi(ref, rng.normal(loc=1.0, size=20_000))
    assert shifted > m.PSI_WARNING
    with_missing = np.where(rng.random(20_000) < 0.3, np.nan, rng.normal(size=20_000))
    assert m.psi(ref, with_missing) > 0.25  # a surge of missing values is a shift too


def test_lift_and_calibration_tables():
    y = np.array([1] * 10 + [0] * 90)
    p = np.r_[np.full(10, 0.9), np.linspace(0.01, 0.5, 90)]
    lift = m.lift_by_decile(y, p)
    assert [r["rows"] for r in lift] == [10] * 10
    assert lift[0]["bad_rate"] == 1.0 and lift[0]["lift"] == pytest.approx(10.0)
    assert lift[0]["cum_capture"] == 1.0 and lift[-1]["cum_capture"] == 1.0
    cal = m.calibration_table(y, p)
    assert cal[-1]["predicted"] == pytest.approx(0.9) and cal[-1]["observed"] == 1.0
    assert cal[0]["observed"] == 0.0


def _brute_auc(y, p):
    bads = [pi for yi, pi in zip(y, p) if yi == 1]
    goods = [pi for yi, pi in zip(y, p) if yi == 0]
    wins = sum((b > g) + 0.5 * (b == g) for b in bads for g in goods)
    return wins / (len(bads) * len(goods))


pairs = st.lists(st.tuples(st.integers(0, 1), st.integers(0, 8)), min_size=2, max_size=40).filter(
    lambda rows: len({r[0] for r in rows}) == 2)


@settings(max_examples=150, deadline=None)
@given(pairs)
def test_auc_is_the_pairwise_probability(rows):
    y = [r[0] for r in rows]
    p = [r[1] / 8 for r in rows]
    assert m.auc(y, p) == pytest.approx(_brute_auc(y, p))
    assert m.auc(y, [-v for v in p]) == pytest.approx(1 - _brute_auc(y, p))
    assert m.auc(y, [math.exp(3 * v) for v in p]) == pytest.approx(m.auc(y, p))  # rank only
    assert 0.0 <= m.ks(y, p) <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=12), st.data())
def test_psi_is_non_negative_and_zero_on_itself(weights, data):
    e = np.array(weights) / sum(weights)
    other = data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(weights), max_size=len(weights)))
    a = np.array(other) / sum(other)
    assert m.psi_from_shares(e, e) == pytest.approx(0.0)
    assert m.psi_from_shares(e, a) >= -1e-12
