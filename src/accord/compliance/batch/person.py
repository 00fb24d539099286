"""Batch checks that need no contact history: time windows, holds, third parties, channel permissions.
Each returns a frame of (_row, rule) for the planned rows that violate it."""

from __future__ import annotations

import polars as pl

from accord.compliance.batch.columns import clock, in_span, same_address, with_local
from accord.compliance.gate.timewin import clock_seconds
from accord.compliance.policy import Policy

HIT_SCHEMA = {"_row": pl.UInt32, "rule": pl.Utf8}


def hits(df: pl.DataFrame, rule: str | None) -> pl.DataFrame:
    if rule is None or df.height == 0:
        return pl.DataFrame(schema=HIT_SCHEMA)
    return df.select(pl.col("_row").cast(pl.UInt32), pl.lit(rule).alias("rule"))


def _spans(B: pl.DataFrame, col: str) -> pl.DataFrame:
    return (B.select("borrower_id", col).explode(col).drop_nulls(col).unnest(col)
            .select("borrower_id", clock("start").alias("s"), clock("end").alias("e")))


def time_window(pol: Policy, P: pl.DataFrame, B: pl.DataFrame) -> pl.DataFrame:
    rule = pol.rule_for("time_window")
    if rule is None:
        return hits(P.head(0), None)
    chans = list(pol.param("time_window", "channels", ()))
    start = clock_seconds(pol.param("time_window", "allowed_start"))
    end = clock_seconds(pol.param("time_window", "allowed_end"))
    pz = (P.filter(pl.col("channel").is_in(chans)).select("_row", "borrower_id", "at", "zones")
          .explode("zones"))
    if pz.height == 0:
        return hits(pz, None)
    pz = with_local(pz, "at", "zones", sec_out="sec")
    key = ["_row", "zones"]
    bad = (pz.join(_spans(B, "inconvenient_times"), on="borrower_id")
           .filter(in_span(pl.col("sec"), pl.col("s"), pl.col("e"))).select(key).unique())
    agreed = (pz.join(_spans(B, "agreed_hours"), on="borrower_id")
              .filter(in_span(pl.col("sec"), pl.col("s"), pl.col("e"))).select(key).unique())
    outside = pz.filter(~in_span(pl.col("sec"), pl.lit(start), pl.lit(end))).join(agreed, on=key, how="anti")
    rows = pl.concat([bad.select("_row"), outside.select("_row")]).unique()
    return hits(rows, rule)


def _purpose_blocked(pol: Policy, check: str) -> pl.Expr:
    return ~pl.col("purpose").is_in(list(pol.param(check, "allowed_purposes") or []))


def holds(pol: Policy, P: pl.DataFrame, B: pl.DataFrame) -> list[pl.DataFrame]:
    out = []
    rule = pol.rule_for("cease")
    if rule:
        forms = list(pol.param("cease", "forms", ["written"]))
        cz = (B.select("borrower_id", "cease_requests").explode("cease_requests").drop_nulls("cease_requests")
              .unnest("cease_requests").filter(pl.col("form").is_in(forms)))
        j = P.filter(_purpose_blocked(pol, "cease")).join(cz, on="borrower_id").filter(pl.col("received_at") <= pl.col("at"))
        out.append(hits(j.select("_row").unique(), rule))
    rule = pol.rule_for("dispute")
    if rule:
        forms = list(pol.param("dispute", "forms", ["written"]))
        within_only = bool(pol.param("dispute", "within_validation_period_only", False))
        dz = (B.select("borrower_id", "disputes").explode("disputes").drop_nulls("disputes").unnest("disputes")
              .filter(pl.col("form").is_in(forms)))
        if within_only:
            dz = dz.filter(pl.col("within_validation_period").fill_null(True))
        j = (P.filter(_purpose_blocked(pol, "dispute")).join(dz, on="borrower_id")
             .filter((pl.col("received_at") <= pl.col("at"))
                     & (pl.col("resolved_at").is_null() | (pl.col("resolved_at") > pl.col("at")))))
        out.append(hits(j.select("_row").unique(), rule))
    rule = pol.rule_for("opt_out")
    if rule:
        oz = (B.select("borrower_id", "opt_outs").explode("opt_outs").drop_nulls("opt_outs").unnest("opt_outs")
              .rename({"channel": "o_channel", "target": "o_target", "at": "o_at"}))
        j = (P.join(oz, left_on=["borrower_id", "channel"], right_on=["borrower_id", "o_channel"])
             .filter((pl.col("o_at") <= pl.col("at")) & same_address(pl.col("o_target"), pl.col("target"))))
        out.append(hits(j.select("_row").unique(), rule))
    flags = pl.col("flags")
    rule = pol.rule_for("attorney")
    if rule:
        out.append(hits(P.filter(flags.list.contains("attorney_represented") & (pl.col("target") != "attorney")), rule))
    for check, flag in (("bankruptcy", "bankruptcy"), ("mental_capacity", "mental_capacity_concern")):
        rule = pol.rule_for(check)
        if rule:
            out.append(hits(P.filter(flags.list.contains(flag) & _purpose_blocked(pol, check)), rule))
    rule = pol.rule_for("vulnerable")
    if rule:
        chans = list(pol.param("vulnerable", "channels") or [])
        out.append(hits(P.filter(flags.list.contains("vulnerable") & pl.col("channel").is_in(chans)), rule))
    return out


def third_parties(pol: Policy, P: pl.DataFrame, disclosed: pl.Expr) -> list[pl.DataFrame]:
    tp = P.filter(pl.col("kind").is_in(["contact", "employer"]))
    out = []
    if tp.height == 0:
        return out
    out.append(hits(tp.filter(pl.col("c_source") == "phonebook"), pol.rule_for("phonebook")))
    out.append(hits(tp.filter(pl.col("c_refused").fill_null(False)), pol.rule_for("contact_refused")))
    rule = pol.rule_for("third_party")
    able = pl.col("status").is_in(["unreachable", "deceased"]) | (pl.col("civil_capacity") != "full")
    if pol.rule_for("contact_person_conditions"):
        out.append(hits(tp.filter(pl.col("kind") == "employer"), rule))
        out.append(hits(tp.filter((pl.col("kind") == "contact") & ~able), pol.rule_for("contact_person_conditions")))
    else:
        out.append(hits(tp.filter(pl.col("status") != "unreachable"), rule))
    out.append(hits(tp.filter(disclosed), pol.rule_for("third_party_disclosure")))
    return out


def channel_rules(pol: Policy, P: pl.DataFrame, H: pl.DataFrame, B: pl.DataFrame, disclosed: pl.Expr) -> list[pl.DataFrame]:
    out = []
    work = P.filter(pl.col("work_addresses").list.contains(pl.col("target")))
    if work.height:
        out.append(hits(work.filter(pl.col("employer_forbids_contact")), pol.rule_for("employer_forbids")))
        rule = pol.rule_for("work_email")
        if rule:
            we = work.filter(pl.col("channel") == "email")
            used = (we.select("_row", "borrower_id", "at", "target")
                    .join(H.filter((pl.col("direction") == "inbound") & (pl.col("h_channel") == "email"))
                          .select("borrower_id", "h_at", pl.col("h_target").alias("target")),
                          on=["borrower_id", "target"])
                    .filter(pl.col("h_at") <= pl.col("at")).select("_row").unique())
            out.append(hits(we.join(used, on="_row", how="anti"), rule))
    rule = pol.rule_for("text_consent")
    if rule:
        chans = list(pol.param("text_consent", "channels") or [])
        days = pol.param("text_consent", "recent_text_days", 60)
        tx = P.filter(pl.col("channel").is_in(chans) & (pl.col("kind") == "borrower")).select(
            "_row", "borrower_id", "at", "channel", "target")
        cz = (B.select("borrower_id", "consents").explode("consents").drop_nulls("consents").unnest("consents")
              .rename({"channel": "c_channel", "target": "c_target"}))
        ok1 = (tx.join(cz, left_on=["borrower_id", "channel"], right_on=["borrower_id", "c_channel"])
               .filter((pl.col("given_at") <= pl.col("at")) & same_address(pl.col("c_target"), pl.col("target")))
               .select("_row"))
        hin = H.filter((pl.col("direction") == "inbound") & (pl.col("h_kind") == "borrower")).select(
            "borrower_id", "h_at", "h_channel", "h_target")
        ok2 = (tx.join(hin, left_on=["borrower_id", "channel"], right_on=["borrower_id", "h_channel"])
               .filter((pl.col("h_at") <= pl.col("at")) & (pl.col("at") - pl.col("h_at") <= pl.duration(days=days))
                       & same_address(pl.col("h_target"), pl.col("target")))
               .select("_row"))
        out.append(hits(tx.join(pl.concat([ok1, ok2]).unique(), on="_row", how="anti"), rule))
    rule = pol.rule_for("visit_staff")
    if rule:
        need = pol.param("visit_staff", "min_staff", 2)
        out.append(hits(P.filter((pl.col("channel") == "visit") & (pl.col("visitors").is_null() | (pl.col("visitors") < need))), rule))
    rule = pol.rule_for("limited_content")
    if rule:
        chans = list(pol.param("limited_content", "channels") or [])
        out.append(hits(P.filter(pl.col("channel").is_in(chans) & disclosed), rule))
    return out
