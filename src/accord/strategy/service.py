"""Planning the day's actions: accounts → segments and steps → send times → (gate) → actions table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.kit.frames import bulk_insert
from accord.strategy.accounts import load_accounts
from accord.strategy.arms import assign_arms
from accord.strategy.models import Action
from accord.strategy.plan import plan_day
from accord.strategy.schedule import schedule
from accord.strategy.schema import Strategy


@dataclass
class PlanReport:
    accounts: int = 0
    planned: int = 0
    blocked: int = 0
    by_segment: dict = field(default_factory=dict)
    by_channel: dict = field(default_factory=dict)
    by_rule: dict = field(default_factory=dict)
    already_planned: bool = False


def simulate(session: Session, strategy: Strategy, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What the strategy would plan for ``as_of`` (no writes): (accounts a ladder can reach today,
    planned actions). ``count_open_accounts`` gives the whole book's count."""
    # Pre-due ladders step at negative days (-3 = three days before the due date): only current
    # accounts due within the earliest of them can be reached today.
    ahead = max([-st.day for steps in strategy.ladders.values() for st in steps if st.day < 0], default=0)
    acc = load_accounts(session, as_of, pre_due_within=ahead)
    if acc.height == 0:
        return acc, acc
    # Only accounts on a ladder day of some step can get an action today: assign arms to those.
    days = sorted({st.day for steps in strategy.ladders.values() for st in steps})
    cand = acc.filter(pl.when(pl.col("bucket") == "M0").then(-pl.col("pre_due_days"))
                      .otherwise(pl.col("days_in_bucket")).is_in(days))
    cand = cand.with_columns(assign_arms(cand["loan_id"], strategy))
    planned = plan_day(cand, strategy)
    if planned.height:  # the borrower's learnt best hour, where the contact history shows one
        from accord.strategy.hours_service import preferred_minutes

        best = preferred_minutes(session, planned["borrower_id"].unique().to_list())
        planned = planned.join(best, on="borrower_id", how="left", maintain_order="left")
    planned = schedule(planned, as_of)
    return acc, planned


def summary(planned: pl.DataFrame) -> pl.DataFrame:
    if planned.height == 0:
        return pl.DataFrame({"segment": [], "channel": [], "actions": []})
    return planned.group_by("segment", "channel").len("actions").sort("segment", "channel")


def action_ids(planned: pl.DataFrame, as_of: date) -> pl.Series:
    """Deterministic ids: the same plan for the same day collides, so a re-run adds nothing."""
    return planned.select(pl.format("{}:{}:{}:{}", pl.lit(as_of.isoformat()), pl.col("loan_id"), pl.col("ladder"),
                                    pl.col("step"))).to_series().alias("id")


def store_actions(session: Session, planned: pl.DataFrame, as_of: date, strategy: Strategy,
                  decisions: pl.DataFrame | None = None) -> PlanReport:
    """Write planned (and gate-blocked) actions; idempotent per day."""
    report = PlanReport(planned=0)
    if session.scalar(select(Action.id).where(Action.plan_date == as_of).limit(1)):
        report.already_planned = True
        return report
    if planned.height == 0:
        return report
    df = planned.with_columns(action_ids(planned, as_of))
    if decisions is not None:
        df = df.join(decisions.select("id", "allowed", "rules"), on="id", how="left").with_columns(
            pl.col("allowed").fill_null(True), pl.col("rules").fill_null([]))
    else:
        df = df.with_columns(pl.lit(True).alias("allowed"), pl.lit([], pl.List(pl.String)).alias("rules"))
    rows = df.select(
        "id", pl.lit(as_of).alias("plan_date"), "loan_pk", "loan_id", "borrower_id", "case_id", "segment", "ladder",
        "step", "channel", "template", "tone", pl.col("language").alias("lang"),
        pl.when(pl.col("channel") == "email").then(pl.col("email")).otherwise(pl.col("phone")).alias("target"),
        "scheduled_at", "local_time", "timezone",
        pl.when(pl.col("allowed")).then(pl.lit("planned")).otherwise(pl.lit("blocked")).alias("status"),
        pl.col("rules").list.join(",").alias("_rules"), "arm",
        pl.lit(strategy.experiment).cast(pl.String).alias("experiment"), pl.lit(strategy.name).alias("strategy"))
    # A JSON list of rule ids, built columnar (rule ids are plain identifiers: nothing to escape).
    rows = rows.with_columns(pl.when(pl.col("_rules") == "").then(pl.lit("[]"))
                             .otherwise(pl.concat_str(pl.lit('["'), pl.col("_rules").str.replace_all(",", '","'),
                                                      pl.lit('"]'))).alias("rules")).drop("_rules")
    bulk_insert(session, "actions", rows.sort("id"))  # key order: the primary key index grows page by page
    report.planned = int((rows["status"] == "planned").sum())
    report.blocked = int((rows["status"] == "blocked").sum())
    report.by_segment = dict(rows.group_by("segment").len().iter_rows())
    report.by_channel = dict(rows.group_by("channel").len().iter_rows())
    return report



# Outbox message states → the action's status in contracts.md (planned | sent | blocked).
_SENT = ("sent", "delivered", "undelivered")


def list_actions(session: Session, as_of: date, status: str | None = None) -> list[tuple[Action, str, list]]:
    """(action, status, rules): a planned action whose message was sent is ``sent``; one the gate
    stopped at send time is ``blocked`` with the message's rule ids."""
    from sqlalchemy import inspect

    actions = list(session.scalars(select(Action).where(Action.plan_date == as_of)
                                   .order_by(Action.scheduled_at, Action.id)))
    fate: dict[str, tuple[str, list]] = {}
    if actions and inspect(session.get_bind()).has_table("messages"):
        from accord.outbox.models import Message

        ids = [a.id for a in actions]
        for i in range(0, len(ids), 5000):
            for aid, st, rules in session.execute(select(Message.action_id, Message.status, Message.gate_rules)
                                                  .where(Message.action_id.in_(ids[i:i + 5000]))):
                if st in _SENT:
                    fate[aid] = ("sent", [])
                elif st == "blocked":
                    fate[aid] = ("blocked", list(rules or []))
    out = []
    for a in actions:
        st, rules = fate.get(a.id, (a.status, list(a.rules or [])))
        if status is None or st == status:
            out.append((a, st, rules))
    return out
