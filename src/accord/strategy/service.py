"""Planning the day's actions: accounts → segments and steps → send times → (gate) → actions table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import delete, select
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
    """What the strategy would plan for ``as_of`` (no writes): (accounts, planned actions)."""
    acc = load_accounts(session, as_of)
    if acc.height == 0:
        return acc, acc
    acc = acc.with_columns(assign_arms(acc["loan_id"], strategy))
    planned = schedule(plan_day(acc, strategy), as_of)
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
    rows = rows.with_columns(pl.col("_rules").map_elements(
        lambda s: "[" + ",".join(f'"{r}"' for r in s.split(",") if r) + "]", return_dtype=pl.String).alias("rules")
    ).drop("_rules")
    bulk_insert(session, "actions", rows)
    report.planned = int((rows["status"] == "planned").sum())
    report.blocked = int((rows["status"] == "blocked").sum())
    report.by_segment = dict(rows.group_by("segment").len().iter_rows())
    report.by_channel = dict(rows.group_by("channel").len().iter_rows())
    return report


def clear_plan(session: Session, as_of: date) -> None:
    session.execute(delete(Action).where(Action.plan_date == as_of))


def list_actions(session: Session, as_of: date, status: str | None = None) -> list[Action]:
    q = select(Action).where(Action.plan_date == as_of)
    if status:
        q = q.where(Action.status == status)
    return list(session.scalars(q.order_by(Action.scheduled_at, Action.id)))
