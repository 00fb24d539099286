"""Loan terms, the day's snapshot, and the optional families from other features' tables — pure.

Optional families (promises, contacts, replies, arrangements) are computed only when their table
exists in the database; otherwise their columns are present and null, so a model trained without
them and a book scored with them keep the same column set (null columns are left out of training
as constant).
"""

from __future__ import annotations

import polars as pl

EPOCH = pl.date(1970, 1, 1)

LOAN_COLUMNS = {
    "product": pl.String, "kind": pl.String, "repayment_method": pl.String, "language": pl.String,
    "jurisdiction": pl.String, "principal_minor": pl.Int64, "annual_rate": pl.Float64,
    "term_months": pl.Int64, "months_on_book": pl.Float64,
}
SNAPSHOT_COLUMNS = {"balance_minor": pl.Int64, "overdue_minor": pl.Int64, "penalty_minor": pl.Int64,
                    "balance_to_installment": pl.Float64}
PROMISE_COLUMNS = {"promises_made": pl.Int64, "promises_kept": pl.Int64, "promises_broken": pl.Int64,
                   "promises_pending": pl.Int64, "promise_kept_share": pl.Float64}
CONTACT_COLUMNS = {"contacts_out_30d": pl.Int64, "contacts_out_90d": pl.Int64, "reached_share_90d": pl.Float64,
                   "rpc_90d": pl.Int64, "no_answer_90d": pl.Int64, "inbound_90d": pl.Int64,
                   "days_since_contact": pl.Int64, "responsiveness_90d": pl.Float64}
REPLY_COLUMNS = {"replies_90d": pl.Int64, "replies_promise": pl.Int64, "replies_hardship": pl.Int64,
                 "replies_dispute": pl.Int64, "replies_paid_already": pl.Int64, "replies_plan": pl.Int64}
ARRANGEMENT_COLUMNS = {"arrangements": pl.Int64, "arrangements_broken": pl.Int64,
                       "arrangements_active": pl.Int64}
OPTIONAL_FAMILIES = {"promises": PROMISE_COLUMNS, "contact_events": CONTACT_COLUMNS,
                     "replies": REPLY_COLUMNS, "arrangements": ARRANGEMENT_COLUMNS}

# Contact outcomes (contracts.md) that reached someone, and those that mean the borrower talked.
REACHED = ("conversation", "answered_dropped", "delivered", "voicemail_message", "limited_content_message")
RPC = ("conversation",)
NO_ANSWER = ("no_answer", "busy", "voicemail_no_message", "rejected")


def loan_block(loans: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """Terms of the loan (fixed at disbursement) and months on book on d. Language and
    jurisdiction are kept (they are not protected attributes); names, ids and contact data are not."""
    x = pop.join(loans, on="loan_pk", how="inner", maintain_order="left")
    return x.select(
        "loan_pk", "d", "loan_id", "borrower_id",
        *[pl.col(c).cast(t) for c, t in LOAN_COLUMNS.items() if c not in ("annual_rate", "months_on_book")],
        pl.col("annual_rate").cast(pl.String).cast(pl.Float64, strict=False).alias("annual_rate"),
        ((pl.col("d") - pl.col("disbursed_day")) / 30.4375).round(2).alias("months_on_book"),
    )


def snapshot_block(snaps: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """Balances from the snapshot taken on d itself (null when the run did not snapshot that day)."""
    from accord.scoring.book_features.history import rows_for

    s = snaps.select(pl.col("loan_pk").cast(pl.Int64), pl.col("day").cast(pl.Int64).alias("d"),
                     pl.col("outstanding_principal").alias("balance_minor"), "overdue_minor",
                     pl.col("penalty").alias("penalty_minor"))
    return pl.concat([pop.select("loan_pk", "d"), rows_for(s, pop)], how="horizontal")


def _empty(pop: pl.DataFrame, columns: dict) -> pl.DataFrame:
    return pop.select("loan_pk", "d").with_columns([pl.lit(None, dtype=t).alias(c) for c, t in columns.items()])


def promise_block(promises: pl.DataFrame | None, pop: pl.DataFrame) -> pl.DataFrame:
    """Promises taken by d; kept / broken only when judged by d (a later verdict was not known)."""
    if promises is None:
        return _empty(pop, PROMISE_COLUMNS)
    x = pop.join(promises, on="loan_pk", how="inner").filter(pl.col("taken_day") <= pl.col("d"))
    judged = pl.col("judged_day").is_not_null() & (pl.col("judged_day") <= pl.col("d"))
    agg = x.group_by("loan_pk", "d").agg(
        pl.len().cast(pl.Int64).alias("promises_made"),
        (judged & pl.col("status").is_in(["kept"])).sum().cast(pl.Int64).alias("promises_kept"),
        (judged & pl.col("status").is_in(["broken", "partly_kept"])).sum().cast(pl.Int64).alias("promises_broken"),
        (~judged).sum().cast(pl.Int64).alias("promises_pending"))
    agg = agg.with_columns(pl.when(pl.col("promises_kept") + pl.col("promises_broken") > 0).then(
        pl.col("promises_kept") / (pl.col("promises_kept") + pl.col("promises_broken"))).alias("promise_kept_share"))
    return _fill(pop, agg, PROMISE_COLUMNS, ("promise_kept_share",))


def contact_block(events: pl.DataFrame | None, pop: pl.DataFrame) -> pl.DataFrame:
    """Contact outcomes and responsiveness per borrower (contacts are recorded per borrower)."""
    if events is None:
        return _empty(pop, CONTACT_COLUMNS)
    x = pop.join(events, on="borrower_id", how="inner").filter(pl.col("day") <= pl.col("d"))
    out90 = (pl.col("direction") == "outbound") & (pl.col("day") > pl.col("d") - 90)
    in90 = (pl.col("direction") == "inbound") & (pl.col("day") > pl.col("d") - 90)
    agg = x.group_by("loan_pk", "d").agg(
        ((pl.col("direction") == "outbound") & (pl.col("day") > pl.col("d") - 30)).sum().cast(pl.Int64)
        .alias("contacts_out_30d"),
        out90.sum().cast(pl.Int64).alias("contacts_out_90d"),
        (out90 & pl.col("outcome").is_in(REACHED)).sum().cast(pl.Int64).alias("_reached"),
        (out90 & pl.col("outcome").is_in(RPC)).sum().cast(pl.Int64).alias("rpc_90d"),
        (out90 & pl.col("outcome").is_in(NO_ANSWER)).sum().cast(pl.Int64).alias("no_answer_90d"),
        in90.sum().cast(pl.Int64).alias("inbound_90d"),
        (pl.col("d").first() - pl.col("day").max()).alias("days_since_contact"))
    agg = agg.with_columns(
        pl.when(pl.col("contacts_out_90d") > 0).then(pl.col("_reached") / pl.col("contacts_out_90d"))
        .alias("reached_share_90d"),
        # Responsiveness: the borrower's own contacts (replies, calls back) per outbound attempt.
        pl.when(pl.col("contacts_out_90d") > 0).then(pl.col("inbound_90d") / pl.col("contacts_out_90d"))
        .alias("responsiveness_90d")).drop("_reached")
    return _fill(pop, agg, CONTACT_COLUMNS, ("reached_share_90d", "days_since_contact", "responsiveness_90d"))


def reply_block(replies: pl.DataFrame | None, pop: pl.DataFrame) -> pl.DataFrame:
    """What the borrower's replies said in the last 90 days (intents of contracts.md)."""
    if replies is None:
        return _empty(pop, REPLY_COLUMNS)
    x = pop.join(replies, on="borrower_id", how="inner").filter(
        (pl.col("day") <= pl.col("d")) & (pl.col("day") > pl.col("d") - 90))
    count = lambda *intents: pl.col("intent").is_in(intents).sum().cast(pl.Int64)  # noqa: E731
    agg = x.group_by("loan_pk", "d").agg(
        pl.len().cast(pl.Int64).alias("replies_90d"), count("promise_to_pay").alias("replies_promise"),
        count("hardship").alias("replies_hardship"), count("dispute", "cease").alias("replies_dispute"),
        count("paid_already").alias("replies_paid_already"), count("request_plan").alias("replies_plan"))
    return _fill(pop, agg, REPLY_COLUMNS)


def arrangement_block(arr: pl.DataFrame | None, pop: pl.DataFrame) -> pl.DataFrame:
    """Arrangements (plans, extensions, settlements) offered by d, and how many of them had been
    broken by d or were active on d, from their status history (each change with its day): a
    later breach was not known on d."""
    if arr is None:
        return _empty(pop, ARRANGEMENT_COLUMNS)
    x = pop.join(arr, on="loan_pk", how="inner").filter(pl.col("offered_day") <= pl.col("d"))
    known = x.filter(pl.col("day").is_not_null() & (pl.col("day") <= pl.col("d")))
    per_arrangement = known.sort("day", maintain_order=True).group_by("loan_pk", "d", "arrangement_id").agg(
        (pl.col("status") == "broken").any().alias("broken"), pl.col("status").last().alias("status"))
    counts = per_arrangement.group_by("loan_pk", "d").agg(
        pl.col("broken").sum().cast(pl.Int64).alias("arrangements_broken"),
        (pl.col("status") == "active").sum().cast(pl.Int64).alias("arrangements_active"))
    offered = x.group_by("loan_pk", "d").agg(pl.col("arrangement_id").n_unique().cast(pl.Int64).alias("arrangements"))
    return _fill(pop, offered.join(counts, on=["loan_pk", "d"], how="left"), ARRANGEMENT_COLUMNS)


def _fill(pop: pl.DataFrame, agg: pl.DataFrame, columns: dict, keep_null: tuple[str, ...] = ()) -> pl.DataFrame:
    """Left-join onto the population; counts are 0 for loans with no rows, ratios stay null."""
    out = pop.select("loan_pk", "d").join(agg, on=["loan_pk", "d"], how="left", maintain_order="left")
    return out.with_columns([
        (pl.col(c) if c in keep_null else pl.col(c).fill_null(0)).cast(t).alias(c) for c, t in columns.items()])
