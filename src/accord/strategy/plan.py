"""Which steps are due today for which accounts — pure over Polars frames.

Input ``accounts`` (one row per open case or pre-due account): loan_pk, loan_id, borrower_id,
case_id, bucket, dpd, days_in_bucket, pre_due_days, score_band, segment_aw, jurisdiction, product,
balance_minor, loan_kind, language, arm, and condition flags: paid_since_open, has_promise,
responded, promise_broken, contacted_today, has_email, on_hold.
Output: one row per planned action with segment, ladder, step, channel, template, tone, priority.
"""

from __future__ import annotations

import polars as pl

from accord.strategy.arms import ladder_for_arm
from accord.strategy.schema import Strategy
from accord.strategy.segments import assign_segments

# Condition name → expression that must hold for the step to be planned.
CONDITION_EXPR = {
    "no_payment": ~pl.col("paid_since_open"),
    "no_promise": ~pl.col("has_promise"),
    "no_response": ~pl.col("responded"),
    "promise_broken": pl.col("promise_broken"),
    "not_contacted_today": ~pl.col("contacted_today"),
    "has_email": pl.col("has_email"),
}


def steps_frame(strategy: Strategy) -> pl.DataFrame:
    rows = []
    for ladder, steps in strategy.ladders.items():
        for i, st in enumerate(steps):
            rows.append({"ladder": ladder, "step": i, "day": st.day, "channel": st.channel, "template": st.template,
                         "tone": st.tone, "priority": st.priority, "conditions": list(st.if_)})
    return pl.DataFrame(rows, schema={"ladder": pl.String, "step": pl.Int64, "day": pl.Int64, "channel": pl.String,
                                      "template": pl.String, "tone": pl.String, "priority": pl.Int64,
                                      "conditions": pl.List(pl.String)})


def plan_day(accounts: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    acc = assign_segments(accounts, strategy).filter(pl.col("ladder").is_not_null())
    # A challenger arm may swap a ladder for another.
    swaps = {(c.id, old): new for c in strategy.challengers for old, new in c.ladders.items()}
    if swaps:
        acc = acc.with_columns(pl.struct("arm", "ladder").map_elements(
            lambda r: ladder_for_arm(strategy, r["arm"], r["ladder"]), return_dtype=pl.String).alias("ladder"))
    # The ladder day: days in the bucket, or minus the days before the due date for pre-due ladders.
    acc = acc.with_columns(pl.when(pl.col("bucket") == "M0").then(-pl.col("pre_due_days"))
                           .otherwise(pl.col("days_in_bucket")).alias("day"))
    planned = acc.join(steps_frame(strategy), on=["ladder", "day"], how="inner")
    keep = pl.lit(True)
    for name, expr in CONDITION_EXPR.items():
        keep = keep & (~pl.col("conditions").list.contains(name) | expr)
    # No collection activity at all on an account under a hold (dispute, cease, legal, vulnerability …).
    planned = planned.filter(keep & ~pl.col("on_hold"))
    if "in_arrangement" in planned.columns:  # an active repayment arrangement: no ladder contacts
        planned = planned.filter(~pl.col("in_arrangement"))
    return planned.drop("conditions").sort("priority", "loan_pk", "step", descending=[True, False, False])
