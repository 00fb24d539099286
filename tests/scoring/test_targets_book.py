"""Targets: populations and outcome windows on hand-built histories, then on a real book."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from accord.scoring import targets


def _snaps(rows: list[tuple]) -> pl.DataFrame:
    """(loan_pk, day, dpd, overdue) rows -> the snapshot frame with buckets and transitions."""
    df = pl.DataFrame(rows, schema={"loan_pk": pl.Int64, "day": pl.Int64, "dpd": pl.Int64, "overdue_minor": pl.Int64},
                      orient="row").sort("loan_pk", "day")
    bucket = pl.when(pl.col("dpd") == 0).then(pl.lit("M0")).when(pl.col("dpd") <= 30).then(pl.lit("M1")) \
        .otherwise(pl.lit("M2"))
    df = df.with_columns(bucket.alias("bucket"))
    return df.with_columns(pl.col("bucket").shift(1).over("loan_pk").alias("prev_bucket"),
                           pl.lit(False).alias("closed"))


def _path(loan: int, dpds: dict[int, int], first: int = 9, last: int = 75) -> list[tuple]:
    """Daily snapshots: DPD given on some days, continued by +1 a day while past due."""
    rows, cur = [], 0
    for day in range(first, last + 1):
        cur = dpds.get(day, cur + 1 if cur > 0 else 0)
        rows.append((loan, day, cur, 1000 if cur else 0))
    return rows


@pytest.fixture
def history() -> pl.DataFrame:
    return _snaps(
        _path(1, {10: 1, 25: 0})          # enters M1 on 10, cures on 25
        + _path(2, {10: 1})               # enters on 10, never cures: 31 DPD on day 40
        + _path(3, {9: 5})                # already in M1 before 10: not an entry on 10
        + _path(4, {10: 1, 41: 0})        # cures on day 41: one day too late
        + _path(5, {12: 1, 20: 0}))       # enters on another day


def test_m1_cure_takes_entries_on_d_and_a_30_day_window(history):
    out = targets.m1_cure(history, [10]).sort("loan_pk")
    assert out.rows() == [(1, 10, 0), (2, 10, 1), (4, 10, 1)]
    assert targets.m1_cure(history, [10, 12]).filter(pl.col("d") == 12).rows() == [(5, 12, 0)]


def test_roll_is_m1_on_d_reaching_31_dpd_within_30_days(history):
    out = dict(((r[0], r[2]) for r in targets.roll(history, [10]).rows()))
    assert out == {1: 0, 2: 1, 3: 1, 4: 1}  # loan 4 is at 31 DPD on day 40


def test_recovery_share_counts_payments_in_the_window_only(history):
    pays = pl.DataFrame({"loan_pk": [2, 2, 2, 4], "paid_day": [10, 30, 71, 20], "amount_minor": [900, 600, 500, 300]})
    out = {r[0]: (r[2], r[3]) for r in targets.recovery(history, pays, [10]).rows()}
    assert out[2] == (0.6, 0)  # day 10 is D itself (before the decision), day 71 is past 60 days
    assert out[4] == (0.3, 1)
    assert out[1] == (0.0, 1)


def test_pre_due_looks_at_the_day_after_the_next_due_day():
    snaps = _snaps(_path(1, {30: 1, 33: 0}, 20, 40) + _path(2, {}, 20, 40) + _path(3, {21: 3}, 20, 40))
    inst = pl.DataFrame({"loan_pk": [1, 1, 2, 3], "due_day": [29, 59, 35, 18]})
    out = dict(((r[0], r[2]) for r in targets.pre_due(snaps, inst, [25]).rows()))
    assert out == {1: 1}  # loan 2's due is 10 days away; loan 3 is not current on 25
    assert dict(((r[0], r[2]) for r in targets.pre_due(snaps, inst, [30]).rows())) == {2: 0}


def test_unknown_target_is_an_input_error():
    with pytest.raises(InputError, match="unknown target"):
        targets.spec("cure_someday")


def test_training_table_on_a_book(db_url):
    from accord.scoring.book import decision_days, demo_history
    from accord.scoring.book_features import FEATURE_COLUMNS

    demo_history(db_url, 500, 3, first_run=date(2026, 3, 31), last_run=date(2026, 5, 31),
                     snapshot_from=date(2026, 3, 1))
    days = decision_days(date(2026, 3, 2), date(2026, 5, 31))
    with session_scope(db_url) as s:
        roll = targets.training_table(s, days, "roll")
        rec = targets.training_table(s, days, "recovery")
        with pytest.raises(ProblemError, match="outcome window"):
            targets.training_table(s, [date(2026, 5, 15)], "m1_cure")
        with pytest.raises(ProblemError, match="contact events"):
            targets.training_table(s, days, "contactability")
    assert roll.height > 100 and 0 < roll["roll"].mean() < 1
    assert roll["decision_date"].max() <= date(2026, 5, 1)  # 30-day window observed
    assert roll["dpd"].is_between(1, 30).all()  # the population is M1 on its decision day
    assert set(FEATURE_COLUMNS) <= set(roll.columns)
    assert rec["recovery_share"].is_between(0, 1).all() and rec["decision_date"].max() <= date(2026, 4, 1)
    assert ((rec["recovery_share"] < 0.5).cast(pl.Int8) == rec["recovery"]).all()
