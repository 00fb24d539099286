"""DPD, buckets, transitions and the report views (delinquency/buckets.py, report.py), pure."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.delinquency.buckets import TRANSITIONS, bucket_index, dpd_of, transition_codes
from accord.delinquency.report import CONTRACT_FIELDS, bucket_summary, contract_rows, roll_matrix
from accord.loans.products import Product

BOUNDARIES = [(0, "M0"), (1, "M1"), (30, "M1"), (31, "M2"), (60, "M2"), (61, "M3"), (90, "M3"), (91, "M4"),
              (120, "M4"), (121, "M5"), (150, "M5"), (151, "M6"), (180, "M6"), (181, "M7"), (2000, "M7")]


@pytest.mark.parametrize("dpd,bucket", BOUNDARIES)
def test_default_bucket_boundaries(dpd, bucket):
    assert f"M{bucket_index(np.array([dpd]))[0]}" == bucket
    assert Product("default").bucket(dpd) == bucket


def test_custom_bounds():
    bounds = (0, 7, 30)
    assert bucket_index(np.array([0, 1, 7, 8, 30, 31]), bounds).tolist() == [0, 1, 1, 2, 2, 3]
    assert Product("short", bucket_bounds=bounds).bucket_names == ("M0", "M1", "M2", "M3")


@given(st.lists(st.integers(0, 5000), min_size=1, max_size=50))
def test_bucket_index_agrees_with_product_bucket(dpds):
    got = bucket_index(np.array(dpds))
    assert [f"M{i}" for i in got] == [Product("default").bucket(d) for d in dpds]


def test_dpd_due_date_itself_is_zero():
    due = np.array([100, 100, 100, 100])
    has = np.array([True, True, True, False])
    assert dpd_of(due, has, 100).tolist()[:1] == [0]
    assert dpd_of(due, has, 99).tolist()[:1] == [0]
    assert dpd_of(due, has, 131).tolist() == [31, 31, 31, 0]


def test_transition_codes():
    prev = np.array([-1, 0, 0, 1, 2, 3, 2, 5])
    cur = np.array([3, 0, 1, 1, 1, 0, 4, 7])
    names = [TRANSITIONS[c] for c in transition_codes(prev, cur)]
    assert names == ["new", "stay", "roll_forward", "stay", "roll_back", "cure", "roll_forward", "roll_forward"]


def frame(rows):
    cols = ["loan_id", "dpd", "bucket", "overdue_principal", "overdue_interest", "overdue_fees", "penalty",
            "outstanding_principal"]
    return pl.DataFrame(rows, schema=cols, orient="row")


def test_contract_rows_money_as_two_decimal_strings():
    df = frame([("L1", 35, "M2", 80000, 4000, 0, 1230, 240000), ("L2", 0, "M0", 0, 0, 0, 0, 5)])
    got = contract_rows(df)
    assert got[0] == {"loan_id": "L1", "dpd": 35, "bucket": "M2", "overdue_principal": "800.00",
                      "overdue_interest": "40.00", "overdue_fees": "0.00", "penalty": "12.30",
                      "total_overdue": "852.30", "outstanding_principal": "2400.00"}
    assert got[1]["outstanding_principal"] == "0.05"
    assert all(tuple(r) == CONTRACT_FIELDS for r in got)
    assert isinstance(got[0]["dpd"], int)


def test_bucket_summary_counts_and_balances():
    df = frame([("L1", 0, "M0", 0, 0, 0, 0, 1000), ("L2", 0, "M0", 0, 0, 0, 0, 3000),
                ("L3", 45, "M2", 500, 100, 0, 10, 4000), ("L4", 200, "M7", 2000, 0, 0, 0, 2000)])
    s = bucket_summary(df)
    assert s["bucket"].to_list() == ["M0", "M2", "M7"]
    assert s["loans"].to_list() == [2, 1, 1]
    assert s["balance"].to_list() == [4000, 4000, 2000]
    assert s["overdue"].to_list() == [0, 610, 2000]
    assert s["share_count"].to_list() == [0.5, 0.25, 0.25]
    assert s["share_balance"].to_list() == [0.4, 0.4, 0.2]


def test_bucket_order_is_numeric_not_lexical():
    df = frame([(f"L{i}", 0, b, 0, 0, 0, 0, 1) for i, b in enumerate(["M10", "M2", "M0", "M1"])])
    assert bucket_summary(df)["bucket"].to_list() == ["M0", "M1", "M2", "M10"]


def test_roll_matrix_rows_sum_to_one_and_paid_off_column():
    pairs = pl.DataFrame({
        "loan_pk": [1, 2, 3, 4, 5],
        "bucket_from": ["M0", "M0", "M1", "M1", "M1"],
        "balance_from": [100, 300, 100, 100, 200],
        "bucket_to": ["M0", "M1", "M2", None, "M1"],
        "closed_to": [False, False, False, None, True],
    })
    m = roll_matrix(pairs)
    assert m.columns == ["bucket_from", "M0", "M1", "M2", "paid_off"]
    assert m.row(0) == ("M0", 0.5, 0.5, 0.0, 0.0)
    assert m.row(1) == ("M1", 0.0, 0.0, pytest.approx(1 / 3), pytest.approx(2 / 3))
    by_balance = roll_matrix(pairs, by_balance=True)
    assert by_balance.row(0) == ("M0", 0.25, 0.75, 0.0, 0.0)
    assert by_balance.row(1) == ("M1", 0.0, 0.0, 0.25, 0.75)
