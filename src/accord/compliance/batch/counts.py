"""Batch checks that count past contacts (frequency caps, throttles). They mirror
``accord.compliance.gate.frequency``: only history at or before the planned time counts."""

from __future__ import annotations

import polars as pl

from accord.compliance.batch.person import HIT_SCHEMA, hits
from accord.compliance.gate.frequency import CN_VOICE
from accord.compliance.policy import Policy


def day_col(spec: str | None) -> str:
    return f"_day_{spec or 'borrower'}"


def _at_or_before() -> pl.Expr:
    return pl.col("h_at") <= pl.col("at")


def _overlap() -> pl.Expr:
    return (pl.col("debt").is_null() | (pl.col("h_debts").list.len() == 0)
            | pl.col("h_debts").list.contains(pl.col("debt")).fill_null(False))


def _count_at_least(rows: pl.DataFrame, joined: pl.DataFrame, limit: int, key=("_row",)) -> pl.DataFrame:
    """Rows of ``rows`` whose number of matches in ``joined`` is >= limit (0 matches counted too)."""
    n = joined.group_by(list(key)).len()
    return rows.join(n, on=list(key), how="left").filter(pl.col("len").fill_null(0) >= limit)


def consent_windows(pol: Policy, B: pl.DataFrame, H: pl.DataFrame) -> pl.DataFrame:
    voice = list(pol.param("call_count_exclusions", "call_channels", ()))
    max_days = pol.param("call_count_exclusions", "consent_max_days", 7)
    cc = (B.select("borrower_id", "call_consents").explode("call_consents").drop_nulls("call_consents")
          .unnest("call_consents").with_row_index("_cid"))
    if cc.height == 0:
        return pl.DataFrame(schema={"borrower_id": pl.Utf8, "start": pl.Datetime("us", "UTC"),
                                    "end": pl.Datetime("us", "UTC")})
    conv = H.filter(pl.col("h_channel").is_in(voice) & (pl.col("outcome") == "conversation")
                    & (pl.col("h_kind") == "borrower")).select("borrower_id", "h_at")
    first = (cc.join(conv, on="borrower_id").filter(pl.col("h_at") > pl.col("given_at"))
             .group_by("_cid").agg(pl.col("h_at").min().alias("conv")))
    cc = cc.join(first, on="_cid", how="left")
    end = pl.min_horizontal(pl.col("given_at") + pl.duration(days=max_days), pl.col("until"), pl.col("conv"))
    return cc.select("borrower_id", pl.col("given_at").alias("start"), end.alias("end"))


def us_calls(pol: Policy, P: pl.DataFrame, H: pl.DataFrame, B: pl.DataFrame) -> list[pl.DataFrame]:
    r1, r2 = pol.rule_for("calls_per_debt"), pol.rule_for("call_after_conversation")
    if r1 is None and r2 is None:
        return []
    voice = list(pol.param("call_count_exclusions", "call_channels", ("call", "ai_call", "ringless_voicemail")))
    uncounted = list(pol.param("call_count_exclusions", "uncounted_outcomes", ()))
    pc = P.filter(pl.col("channel").is_in(voice) & (pl.col("kind") == "borrower"))
    if pc.height == 0:
        return []
    W = consent_windows(pol, B, H)
    in_consent = (pc.select("_row", "borrower_id", "at").join(W, on="borrower_id")
                  .filter((pl.col("start") <= pl.col("at")) & (pl.col("at") < pl.col("end"))).select("_row").unique())
    day = day_col("borrower")
    pcd = (pc.join(in_consent, on="_row", how="anti")
           .select("_row", "borrower_id", "at", pl.col(day).alias("D"), pl.col("debt_ids").alias("debt"))
           .explode("debt", empty_as_null=True))
    hday = "h" + day
    out = []
    if r1:
        limit = pol.param("calls_per_debt", "max_calls", 7)
        span = pol.param("calls_per_debt", "window_days", 7)
        hc = H.filter((pl.col("direction") == "outbound") & pl.col("h_channel").is_in(voice)
                      & (pl.col("h_kind") == "borrower") & ~pl.col("outcome").is_in(uncounted).fill_null(False))
        h_cons = (hc.select("_hid", "borrower_id", "h_at").join(W, on="borrower_id")
                  .filter((pl.col("start") <= pl.col("h_at")) & (pl.col("h_at") < pl.col("end"))).select("_hid").unique())
        hc = hc.join(h_cons, on="_hid", how="anti").select("borrower_id", "h_at", pl.col(hday).alias("hD"), "h_debts")
        keyed = pcd.with_row_index("_k")
        jk = keyed.select("_k", "_row", "borrower_id", "at", "D", "debt").join(
            hc, on="borrower_id").filter(
            _at_or_before() & (pl.col("hD") <= pl.col("D"))
            & (pl.col("hD") >= pl.col("D") - pl.duration(days=span - 1)) & _overlap())
        out.append(hits(_count_at_least(keyed, jk, limit, key=("_k",)).select("_row").unique(), r1))
    if r2:
        days = pol.param("call_after_conversation", "days", 7)
        conv = H.filter(pl.col("h_channel").is_in(voice) & (pl.col("outcome") == "conversation")
                        & (pl.col("h_kind") == "borrower")).select("borrower_id", "h_at", pl.col(hday).alias("hD"), "h_debts")
        diff = (pl.col("D") - pl.col("hD")).dt.total_days()
        j = pcd.join(conv, on="borrower_id").filter(_at_or_before() & _overlap() & (diff >= 0) & (diff <= days - 1))
        out.append(hits(j.select("_row").unique(), r2))
    return out


def cn_voice(pol: Policy, P: pl.DataFrame, H: pl.DataFrame) -> list[pl.DataFrame]:
    out = []
    pv = P.filter(pl.col("channel").is_in(list(CN_VOICE)))
    if pv.height == 0:
        return out
    hv = H.filter((pl.col("direction") == "outbound") & pl.col("h_channel").is_in(list(CN_VOICE)))
    rule = pol.rule_for("conversations_per_day")
    if rule:
        d = day_col(pol.param("conversations_per_day", "day_zone", "borrower"))
        rows = pv.filter(pl.col("kind") == "borrower").select("_row", "borrower_id", "at", pl.col(d).alias("D"))
        conv = hv.filter((pl.col("outcome") == "conversation") & (pl.col("h_kind") == "borrower")).select(
            "borrower_id", "h_at", pl.col("h" + d).alias("hD"))
        j = rows.join(conv, on="borrower_id").filter(_at_or_before() & (pl.col("hD") == pl.col("D")))
        out.append(hits(_count_at_least(rows, j, pol.param("conversations_per_day", "max_conversations", 3)), rule))
    rule = pol.rule_for("attempts_per_number")
    if rule:
        d = day_col(pol.param("attempts_per_number", "day_zone", "borrower"))
        rows = pv.select("_row", "borrower_id", "at", "target", pl.col(d).alias("D"))
        att = hv.select("borrower_id", "h_at", pl.col("h_target").alias("target"), pl.col("h" + d).alias("hD"))
        j = rows.join(att, on=["borrower_id", "target"]).filter(_at_or_before() & (pl.col("hD") == pl.col("D")))
        out.append(hits(_count_at_least(rows, j, pol.param("attempts_per_number", "max_attempts", 6)), rule))
    return out


def robot(pol: Policy, P: pl.DataFrame, H: pl.DataFrame) -> list[pl.DataFrame]:
    rule = pol.rule_for("robot_throttle")
    if rule is None:
        return []
    rows = P.filter(pl.col("channel") == "ai_call").select("_row", "borrower_id", "at", "target")
    if rows.height == 0:
        return []
    hr = H.filter((pl.col("direction") == "outbound") & ((pl.col("h_channel") == "ai_call") | (
        (pl.col("actor") == "robot") & pl.col("h_channel").is_in(list(CN_VOICE))))).select(
        "borrower_id", "h_at", pl.col("h_target").alias("target"))
    j = rows.join(hr, on=["borrower_id", "target"]).filter(_at_or_before())
    out = []
    for name, seconds in (("per_minute", 60), ("per_hour", 3600), ("per_24h", 86400)):
        limit = pol.param("robot_throttle", name)
        if limit is None:
            continue
        jj = j.filter(pl.col("h_at") > pl.col("at") - pl.duration(seconds=seconds))
        out.append(hits(_count_at_least(rows, jj, limit), rule))
    return out


def message_caps(pol: Policy, P: pl.DataFrame, H: pl.DataFrame) -> list[pl.DataFrame]:
    rule = pol.rule_for("message_caps")
    caps = {k: v for k, v in (pol.param("message_caps", "message_caps") or {}).items() if v is not None}
    if rule is None or not caps:
        return []
    d = day_col(pol.param("message_caps", "day_zone", "borrower"))
    rows = (P.filter((pl.col("kind") == "borrower") & pl.col("channel").is_in(list(caps)))
            .select("_row", "borrower_id", "at", "channel", pl.col(d).alias("D"))
            .with_columns(pl.col("channel").replace_strict(caps, return_dtype=pl.Int64).alias("cap")))
    hm = H.filter((pl.col("direction") == "outbound") & (pl.col("h_kind") == "borrower")
                  & (pl.col("outcome") != "undelivered").fill_null(True)).select(
        "borrower_id", "h_at", pl.col("h_channel").alias("channel"), pl.col("h" + d).alias("hD"))
    j = rows.join(hm, on=["borrower_id", "channel"]).filter(_at_or_before() & (pl.col("hD") == pl.col("D")))
    n = j.group_by("_row").len()
    bad = rows.join(n, on="_row", how="left").filter(pl.col("len").fill_null(0) >= pl.col("cap"))
    return [hits(bad, rule)]


EMPTY = pl.DataFrame(schema=HIT_SCHEMA)
