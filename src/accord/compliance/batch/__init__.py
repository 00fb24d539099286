"""The batch gate: ``evaluate_batch(policy, planned, history, borrowers) -> DataFrame``.

Vectorised over Polars frames (schemas in ``frames.py``) and giving the same decisions as the single
``evaluate`` for every planned row (a property test holds the two together). The content check runs
once per distinct (text, language, channel, flags) combination and is cached across runs.

Returns one row per planned row, in input order: ``action_id``, ``borrower_id``, ``at``, ``channel``,
``target``, ``decision`` ("allow" / "block") and ``rules`` (sorted list of violated rule ids).
"""

from __future__ import annotations

import polars as pl

from accord.compliance.batch import counts, person
from accord.compliance.batch.columns import contacts_table, resolve_targets, with_local
from accord.compliance.batch.frames import frames_from_requests, prepare
from accord.compliance.content import check_text, disclosure_spans
from accord.compliance.policy import Policy, load_policy
from accord.kit.errors import InputError

__all__ = ["evaluate_batch", "frames_from_requests"]

DAY_CHECKS = ("conversations_per_day", "attempts_per_number", "message_caps")


def _content(pol: Policy, P: pl.DataFrame, law_firm: bool) -> pl.DataFrame:
    cols = ["text", "lang", "channel", "first_communication", "_sb", "_req"]
    combos = (P.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
              .select(cols).unique().with_columns(pl.col("lang").fill_null("")))
    if combos.height == 0:
        return person.hits(P.head(0), None)
    rules = []
    for text, lang, channel, first, sb, req in combos.iter_rows():
        hits = check_text(text, policy=pol, lang=lang or None, channel=channel, collector_is_law_firm=law_firm,
                          statute_barred=sb, first_communication=first, required_wording=req)
        rules.append(sorted({h.rule for h in hits}))
    combos = combos.with_columns(pl.Series("rule", rules, dtype=pl.List(pl.Utf8))).explode("rule").drop_nulls("rule")
    j = P.with_columns(pl.col("lang").fill_null("")).join(combos, on=cols)
    return j.select(pl.col("_row").cast(pl.UInt32), "rule")


def evaluate_batch(policy: Policy | str, planned: pl.DataFrame, history: pl.DataFrame, borrowers: pl.DataFrame,
                   *, collector_is_law_firm: bool = False) -> pl.DataFrame:
    """Decide every planned contact at once; see the module docstring and ``frames.py`` for columns."""
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    P, H, B = prepare(planned, history, borrowers)
    P = P.with_row_index("_row")
    unknown = P.join(B.select("borrower_id"), on="borrower_id", how="anti")
    if unknown.height:
        raise InputError(f"planned frame, row {unknown['_row'][0]}: unknown borrower_id {unknown['borrower_id'][0]!r}")
    defaults = list(pol.param("time_window", "default_timezones") or ["UTC"])
    B = B.with_columns(pl.when(pl.col("timezones").list.len() > 0).then(pl.col("timezones"))
                       .otherwise(pl.lit(defaults, dtype=pl.List(pl.Utf8))).alias("zones"))
    B = B.with_columns(pl.col("zones").list.first().alias("primary"))
    CT = contacts_table(B)
    P = P.join(B.select("borrower_id", "zones", "primary", "status", "civil_capacity", "flags", "work_addresses",
                        "employer_forbids_contact"), on="borrower_id", how="left")
    P = resolve_targets(P, CT)
    P = P.join(CT.select("borrower_id", "c_id", "c_source", "c_refused"), on=["borrower_id", "c_id"], how="left")
    H = (H.with_row_index("_hid")
         .rename({"at": "h_at", "channel": "h_channel", "target": "h_target", "debt_ids": "h_debts"}))
    H = resolve_targets(H, CT, target="h_target", prefix="h_")
    H = H.join(B.select("borrower_id", "primary"), on="borrower_id", how="inner")
    # Calendar days in every zone a check counts in ("borrower" = the borrower's first zone).
    specs = {"borrower"} | {pol.param(c, "day_zone", "borrower") or "borrower" for c in DAY_CHECKS}
    for spec in specs:
        const = None if spec == "borrower" else spec
        P = with_local(P, "at", "primary", const_zone=const, date_out=counts.day_col(spec))
        H = with_local(H, "h_at", "primary", const_zone=const, date_out="h" + counts.day_col(spec))
    texts = P.filter(pl.col("text").is_not_null() & (pl.col("text") != ""))["text"].unique().to_list()
    disclosing = [t for t in texts if disclosure_spans(t)]
    P = P.with_columns(
        pl.col("text").is_in(disclosing).fill_null(False).alias("_disclosed"),
        pl.col("flags").list.contains("statute_barred").alias("_sb"),
        (pl.col("kind") == "borrower").alias("_req"),
    )
    disclosed = pl.col("_disclosed")
    parts = [person.time_window(pol, P, B), *person.holds(pol, P, B), *person.third_parties(pol, P, disclosed),
             *person.channel_rules(pol, P, H, B, disclosed), *counts.us_calls(pol, P, H, B),
             *counts.cn_voice(pol, P, H), *counts.robot(pol, P, H), *counts.message_caps(pol, P, H),
             _content(pol, P, collector_is_law_firm)]
    found = pl.concat([p.select(pl.col("_row").cast(pl.UInt32), pl.col("rule").cast(pl.Utf8)) for p in parts]).unique()
    agg = found.group_by("_row").agg(pl.col("rule").sort().alias("rules"))
    out = (P.select("_row", "action_id", "borrower_id", "at", "channel", "target")
           .join(agg, on="_row", how="left").sort("_row")
           .with_columns(pl.col("rules").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
           .with_columns(pl.when(pl.col("rules").list.len() > 0).then(pl.lit("block")).otherwise(pl.lit("allow"))
                         .alias("decision")))
    return out.drop("_row")
