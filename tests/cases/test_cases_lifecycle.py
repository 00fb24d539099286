"""Properties of the pure sync plan: after applying it, every delinquent loan has exactly one open case,
no current or closed loan has one, and planning again changes nothing (the re-run is idempotent)."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.cases.lifecycle import CASES_SCHEMA, GONE_SCHEMA, SNAPSHOT_SCHEMA, plan_sync

AS_OF = date(2026, 5, 1)
loan_state = st.tuples(st.integers(0, 200), st.booleans(), st.booleans(), st.sampled_from(["M1", "M3", "legal"]))


def _apply(cases: pl.DataFrame, plan) -> pl.DataFrame:  # noqa: ANN001
    """The open cases after the plan is written (what the repository does in SQL)."""
    kept = cases.join(plan.to_close.select("id"), on="id", how="anti")
    kept = kept.join(plan.to_update.select("id", pl.col("stage").alias("s2"), pl.col("bucket").alias("b2"),
                                           pl.col("dpd").alias("d2")), on="id", how="left").select(
        "id", "loan_pk", "loan_id", "borrower_id", pl.coalesce("s2", "stage").alias("stage"),
        pl.coalesce("b2", "bucket").alias("bucket"), pl.coalesce("d2", "dpd").alias("dpd"))
    start = (cases["id"].max() or 0) + 1
    new = plan.to_open.with_row_index("i").select(
        (pl.col("i").cast(pl.Int64) + start).alias("id"), "loan_pk", "loan_id", "borrower_id",
        pl.col("bucket").alias("stage"), "bucket", "dpd")
    return pl.concat([kept, new.cast(CASES_SCHEMA)])


@settings(max_examples=150, deadline=None)
@given(st.lists(loan_state, min_size=0, max_size=30))
def test_plan_applied_then_replanned_is_empty(loans):
    # (dpd, closed, has_open_case, stage of that case)
    snap = pl.DataFrame([(i, f"L{i}", f"B{i}", dpd, "M0" if dpd == 0 else f"M{min((dpd + 29) // 30, 7)}", closed)
                         for i, (dpd, closed, _, _) in enumerate(loans)], schema=SNAPSHOT_SCHEMA, orient="row")
    cases = pl.DataFrame([(100 + i, i, f"L{i}", f"B{i}", stage, "M1", 5)
                          for i, (_, _, has, stage) in enumerate(loans) if has], schema=CASES_SCHEMA, orient="row")
    gone = pl.DataFrame(schema=GONE_SCHEMA)
    plan = plan_sync(snap, cases, gone, AS_OF)
    after = _apply(cases, plan)
    delinquent = {i for i, (dpd, closed, _, _) in enumerate(loans) if dpd >= 1 and not closed}
    assert sorted(after["loan_pk"].to_list()) == sorted(delinquent)  # exactly one open case each
    for i, stage, dpd in after.select("loan_pk", "stage", "dpd").iter_rows():
        assert dpd == loans[i][0]
        had = loans[i][2]
        assert stage == ("legal" if had and loans[i][3] == "legal" else snap["bucket"][i])
    again = plan_sync(snap, after, gone, AS_OF)
    assert (again.to_open.height, again.to_update.height, again.to_close.height) == (0, 0, 0)
    closed_reasons = dict(plan.to_close.select("loan_id", "close_reason").iter_rows())
    for i, (dpd, closed, has, _) in enumerate(loans):
        if has and (closed or dpd == 0):
            assert closed_reasons[f"L{i}"] == ("paid_off" if closed else "cured")


def test_a_case_whose_loan_left_the_book_closes_with_the_loans_reason():
    cases = pl.DataFrame([(1, 7, "L7", "B7", "M2", "M2", 40), (2, 8, "L8", "B8", "M1", "M1", 3)],
                         schema=CASES_SCHEMA, orient="row")
    gone = pl.DataFrame([(7, "written_off", None, date(2026, 4, 20)), (8, "open", None, None)],
                        schema=GONE_SCHEMA, orient="row")
    plan = plan_sync(pl.DataFrame(schema=SNAPSHOT_SCHEMA), cases, gone, AS_OF)
    assert plan.to_close.select("id", "close_reason", "closed_on").rows() == [(1, "written_off", date(2026, 4, 20))]
    assert plan.unresolved["id"].to_list() == [2]  # still open but missing from the snapshot: left alone
