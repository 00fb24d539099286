"""Preferred contact hours learnt from contact history — pure and columnar.

An hour of the borrower's local day counts as *reaching* them when a call was answered then
(``conversation``), when they wrote or called in then, or when they paid within two hours of a message
sent then. Attempts (every outbound call and message) are counted too. The preferred hour is the one
with the most such contacts, once there are at least ``MIN_EVIDENCE`` of them (ties: the later
success rate, then the earlier hour); the schedule sends at that hour, inside the allowed window.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

CALLS = ("call", "ai_call")
MESSAGES = ("sms", "push", "email")
ANSWERED = ("conversation",)
PAY_WITHIN = timedelta(hours=2)
MIN_EVIDENCE = 2

EVENTS_SCHEMA = {"borrower_id": pl.String, "at": pl.Datetime("us", "UTC"), "channel": pl.String,
                 "direction": pl.String, "outcome": pl.String}
PAYMENTS_SCHEMA = {"borrower_id": pl.String, "paid_at": pl.Datetime("us", "UTC")}
COUNTS_SCHEMA = {"borrower_id": pl.String, "hour": pl.Int64, "positives": pl.Int64, "attempts": pl.Int64}


def _local_hour(df: pl.DataFrame, zones: pl.DataFrame, col: str = "at") -> pl.DataFrame:
    """Adds ``hour``: the hour of ``col`` in the borrower's own zone (one conversion per zone)."""
    df = df.join(zones, on="borrower_id", how="inner")
    parts = [part.with_columns(pl.col(col).dt.convert_time_zone(tz).dt.hour().cast(pl.Int64).alias("hour"))
             for tz, part in ((p["timezone"][0], p) for p in df.partition_by("timezone")) if tz]
    return pl.concat(parts).drop("timezone") if parts else df.with_columns(pl.lit(None, pl.Int64).alias("hour")).drop(
        "timezone")


def hour_counts(events: pl.DataFrame, payments: pl.DataFrame, zones: pl.DataFrame) -> pl.DataFrame:
    """(borrower_id, hour, positives, attempts) from contact events and payments (``zones``:
    borrower_id, timezone)."""
    ev = events.cast(EVENTS_SCHEMA)  # type: ignore[arg-type]
    pays = payments.cast(PAYMENTS_SCHEMA)  # type: ignore[arg-type]
    zones = zones.select(pl.col("borrower_id").cast(pl.String), pl.col("timezone").cast(pl.String))
    out_calls = ev.filter((pl.col("direction") == "outbound") & pl.col("channel").is_in(CALLS))
    out_msgs = ev.filter((pl.col("direction") == "outbound") & pl.col("channel").is_in(MESSAGES)
                         & ~pl.col("outcome").fill_null("").is_in(["undelivered"]))
    answered = out_calls.filter(pl.col("outcome").is_in(ANSWERED)).select("borrower_id", "at")
    inbound = ev.filter(pl.col("direction") == "inbound").select("borrower_id", "at")
    # A payment within two hours of a message: the message's hour worked (the latest message before it).
    paid_after = pl.DataFrame(schema={"borrower_id": pl.String, "at": pl.Datetime("us", "UTC")})
    if pays.height and out_msgs.height:
        msgs = out_msgs.select("borrower_id", pl.col("at").alias("msg_at"), pl.col("at").alias("_t")).sort("_t")
        hit = pays.sort("paid_at").join_asof(msgs, left_on="paid_at", right_on="_t", by="borrower_id",
                                             strategy="backward", tolerance=PAY_WITHIN, check_sortedness=False)
        paid_after = hit.filter(pl.col("msg_at").is_not_null()).select("borrower_id", pl.col("msg_at").alias("at"))
    pos = pl.concat([answered, inbound, paid_after])
    att = pl.concat([out_calls.select("borrower_id", "at"), out_msgs.select("borrower_id", "at")])
    if pos.height == 0 and att.height == 0:
        return pl.DataFrame(schema=COUNTS_SCHEMA)
    p = _local_hour(pos, zones).group_by("borrower_id", "hour").len("positives") if pos.height else \
        pl.DataFrame(schema={"borrower_id": pl.String, "hour": pl.Int64, "positives": pl.UInt32})
    a = _local_hour(att, zones).group_by("borrower_id", "hour").len("attempts") if att.height else \
        pl.DataFrame(schema={"borrower_id": pl.String, "hour": pl.Int64, "attempts": pl.UInt32})
    return (p.join(a, on=["borrower_id", "hour"], how="full", coalesce=True)
            .filter(pl.col("hour").is_not_null())
            .select("borrower_id", "hour", pl.col("positives").fill_null(0).cast(pl.Int64),
                    pl.col("attempts").fill_null(0).cast(pl.Int64))
            .sort("borrower_id", "hour"))


def best_hours(counts: pl.DataFrame, min_evidence: int = MIN_EVIDENCE) -> pl.DataFrame:
    """(borrower_id, preferred_minute): the start of the best local hour, for borrowers with enough
    evidence; the others keep the channel's default time."""
    c = counts.filter(pl.col("positives") > 0)
    if c.height == 0:
        return pl.DataFrame(schema={"borrower_id": pl.String, "preferred_minute": pl.Int64})
    c = c.with_columns((pl.col("positives") / pl.max_horizontal(pl.col("attempts"), pl.col("positives"))).alias("_rate"))
    best = c.sort(["borrower_id", "positives", "_rate", "hour"], descending=[False, True, True, False]) \
        .unique("borrower_id", keep="first", maintain_order=True)
    return best.filter(pl.col("positives") >= min_evidence).select(
        "borrower_id", (pl.col("hour") * 60).cast(pl.Int64).alias("preferred_minute"))
