"""Send times: each action at the borrower's learnt preferred hour (``preferred_minute``, from the
contact history; see ``strategy/hours.py``) or else its channel's preferred local hour, in the
borrower's own time zone, spread over minutes to respect per-channel rate limits, never outside the
day's contact window (overflow rolls to the next day's window start)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

# Preferred local start (minutes after midnight) per channel: texts mid-morning, calls after lunch.
PREFERRED = {"sms": 10 * 60, "push": 10 * 60 + 30, "email": 9 * 60, "ai_call": 11 * 60, "call": 14 * 60,
             "letter": 9 * 60, "visit": 10 * 60}
# Per-channel sends per minute (a provider or dialler limit); tasks have no limit.
RATE_PER_MINUTE = {"sms": 2000, "push": 5000, "email": 1000, "ai_call": 200, "call": 20, "letter": 10000,
                   "visit": 10}


@dataclass(frozen=True)
class Window:
    """The planning window in local time, inside every pack's allowed hours (CN 08–22, US/UK 08–21)."""

    start: int = 8 * 60 + 30
    end: int = 20 * 60
    preferred: dict = field(default_factory=lambda: dict(PREFERRED))
    rate: dict = field(default_factory=lambda: dict(RATE_PER_MINUTE))


# Channels sent at the borrower's learnt hour when there is one (letters go out with the post).
PERSONAL = ("sms", "push", "email", "ai_call", "call")


def schedule(planned: pl.DataFrame, as_of: date, window: Window = Window()) -> pl.DataFrame:
    """Adds ``scheduled_at`` (UTC) and ``local_time`` (HH:MM in the borrower's zone). ``planned``
    needs channel, timezone and a priority order (rows earlier in the frame are sent first); an
    optional ``preferred_minute`` (local minutes after midnight, null = none learnt) moves a
    borrower's contacts to their best hour, clamped into the window."""
    if planned.height == 0:
        return planned.with_columns(pl.lit(None, pl.Datetime("us", "UTC")).alias("scheduled_at"),
                                    pl.lit(None, pl.String).alias("local_time"))
    df = planned.with_row_index("_order").with_columns(
        pl.col("channel").replace_strict(window.preferred, default=window.start, return_dtype=pl.Int64).alias("_pref"),
        pl.col("channel").replace_strict(window.rate, default=10**9, return_dtype=pl.Int64).alias("_rate"))
    if "preferred_minute" in df.columns:
        learnt = pl.col("preferred_minute").clip(window.start, window.end - 1)
        df = df.with_columns(pl.when(pl.col("preferred_minute").is_not_null() & pl.col("channel").is_in(PERSONAL))
                             .then(learnt).otherwise(pl.col("_pref")).cast(pl.Int64).alias("_pref"))
    # Per channel, a queue served at ``rate`` a minute: in units of 1/rate minute, the i-th send (by
    # preferred minute, then priority) goes at max over j <= i of (pref_j * rate + i - j) — never before
    # its own preferred minute, never more than ``rate`` sends in one minute.
    df = df.sort("channel", "_pref", "_order").with_columns(
        pl.int_range(pl.len()).over("channel").cast(pl.Int64).alias("_rank"))
    df = df.with_columns((pl.col("_pref") * pl.col("_rate") - pl.col("_rank")).cum_max().over("channel").alias("_base"))
    span = window.end - window.start
    total = (pl.col("_base") + pl.col("_rank")) // pl.col("_rate")
    df = df.with_columns(((total - window.start) // span).alias("_days"),
                         (window.start + (total - window.start) % span).alias("_minute"))
    base = pl.lit(as_of).cast(pl.Datetime("us"))
    df = df.with_columns((base + pl.duration(days=pl.col("_days"), minutes=pl.col("_minute"))).alias("_local"))
    parts = []
    for tz in df["timezone"].unique().to_list():
        part = df.filter(pl.col("timezone") == tz)
        parts.append(part.with_columns(
            pl.col("_local").dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC").alias("scheduled_at")))
    out = pl.concat(parts).sort("_order")
    return out.with_columns(pl.col("_local").dt.strftime("%Y-%m-%d %H:%M").alias("local_time")).drop(
        "_order", "_pref", "_rate", "_rank", "_base", "_days", "_minute", "_local")
