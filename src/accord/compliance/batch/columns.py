"""Column helpers shared by the batch checks: local dates and clock seconds in per-row zones (``with_local``),
target resolution, clock spans. They mirror ``accord.compliance.gate.facts`` and ``timewin``."""

from __future__ import annotations

import polars as pl

PARTY_TARGETS = ["borrower", "employer", "attorney"]


def clock(col: str) -> pl.Expr:
    """"HH:MM" -> seconds after midnight."""
    c = pl.col(col)
    return c.str.slice(0, 2).cast(pl.Int32) * 3600 + c.str.slice(3, 2).cast(pl.Int32) * 60


def in_span(sec: pl.Expr, start: pl.Expr, end: pl.Expr) -> pl.Expr:
    """[start, end) on a 24-hour clock; wraps past midnight; start == end is all day."""
    return (pl.when(start == end).then(True)
            .when(start < end).then((sec >= start) & (sec < end))
            .otherwise((sec >= start) | (sec < end)))


def same_address(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (a.is_null() | b.is_null() | (a == "borrower") | (b == "borrower") | (a == b)).fill_null(True)


def contacts_table(borrowers: pl.DataFrame) -> pl.DataFrame:
    """One row per contact person: borrower_id, c_id, c_source, c_refused, c_targets (first of duplicate ids)."""
    ct = (borrowers.select("borrower_id", "contacts").explode("contacts").drop_nulls("contacts")
          .unnest("contacts"))
    return (ct.select("borrower_id", pl.col("id").alias("c_id"), pl.col("source").alias("c_source"),
                      pl.col("refused").fill_null(False).alias("c_refused"), pl.col("targets").alias("c_targets"))
            .unique(subset=["borrower_id", "c_id"], keep="first", maintain_order=True))


def resolve_targets(df: pl.DataFrame, contacts: pl.DataFrame, target: str = "target",
                    prefix: str = "") -> pl.DataFrame:
    """Add ``{prefix}kind`` (borrower / employer / attorney / contact) and ``{prefix}c_id``."""
    addr = (contacts.select("borrower_id", "c_id", "c_targets").explode("c_targets").drop_nulls("c_targets")
            .unique(subset=["borrower_id", "c_targets"], keep="first", maintain_order=True)
            .rename({"c_targets": target, "c_id": "_c_addr"}))
    df = df.join(addr, on=["borrower_id", target], how="left")
    t = pl.col(target)
    is_party, is_cid = t.is_in(PARTY_TARGETS), t.str.starts_with("contact:")
    return df.with_columns(
        pl.when(is_party).then(t).when(is_cid | pl.col("_c_addr").is_not_null()).then(pl.lit("contact"))
        .otherwise(pl.lit("borrower")).alias(f"{prefix}kind"),
        pl.when(is_party).then(pl.lit(None, pl.Utf8)).when(is_cid).then(t.str.slice(8))
        .otherwise(pl.col("_c_addr")).alias(f"{prefix}c_id"),
    ).drop("_c_addr")


def with_local(df: pl.DataFrame, at: str, zone: str | None, *, const_zone: str | None = None,
               date_out: str | None = None, sec_out: str | None = None) -> pl.DataFrame:
    """Add the local calendar date and/or clock seconds of ``at`` in each row's zone (column ``zone``)
    or in ``const_zone``. Zone offsets only change at quarter-hour boundaries, so the offset is computed
    once per (zone, quarter hour) and joined back: far cheaper than converting every row per zone."""
    zcol = "_zone"
    df = df.with_columns((pl.lit(const_zone) if const_zone else pl.col(zone)).alias(zcol),
                         pl.col(at).dt.truncate("15m").alias("_q"))
    keys = df.select(zcol, "_q").unique()
    offset = None
    for z in keys[zcol].unique().drop_nulls().to_list():
        val = (pl.col("_q").dt.convert_time_zone(z).dt.replace_time_zone(None)
               - pl.col("_q").dt.replace_time_zone(None))
        offset = pl.when(pl.col(zcol) == z).then(val) if offset is None else offset.when(pl.col(zcol) == z).then(val)
    keys = keys.with_columns((offset if offset is not None else pl.lit(None, pl.Duration("us"))).alias("_off"))
    df = df.join(keys, on=[zcol, "_q"], how="left", maintain_order="left")
    local = pl.col(at).dt.replace_time_zone(None) + pl.col("_off")
    adds = []
    if date_out:
        adds.append(local.dt.date().alias(date_out))
    if sec_out:
        adds.append((local.dt.hour().cast(pl.Int32) * 3600 + local.dt.minute().cast(pl.Int32) * 60
                     + local.dt.second().cast(pl.Int32)).alias(sec_out))
    return df.with_columns(adds).drop(zcol, "_q", "_off")
