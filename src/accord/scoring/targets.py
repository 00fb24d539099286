"""Targets for the decisions Accord makes, built from what happened AFTER each decision day.

Each target has a population (who the decision is about on day D) and an outcome window; ``bad``
is 1 for the outcome the strategy wants to prevent. A row is produced only when the whole window
has been observed (its end is on or before the last snapshot day), so a recent decision day never
gets a half-observed label.

  pre_due      open loans at DPD 0 on D whose next installment falls due within 7 days;
               bad = still unpaid at the end of its due day (DPD >= 1 on due + 1)
  m1_cure      accounts entering M1 on D (M0 yesterday, M1 today); bad = not back to DPD 0
               (cured or paid off) within 30 days — the early-collection target
  roll         accounts in M1 on D; bad = reaching M2 (DPD >= 31) within 30 days
  recovery     delinquent accounts on D; ``recovery_share`` = payments in the next 60 days over
               the amount overdue on D (capped at 1); bad = share < 0.5
  contactability  (placeholder, needs contact events) loans with an outbound attempt in the next
               7 days; bad = no right-party conversation in those attempts
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
from sqlalchemy.orm import Session

from accord.kit.errors import InputError, ProblemError
from accord.kit.timeutil import epoch_day


@dataclass(frozen=True)
class TargetSpec:
    name: str
    window_days: int
    description: str


TARGETS = {t.name: t for t in (
    TargetSpec("pre_due", 8, "next installment (due within 7 days) unpaid at due + 1"),
    TargetSpec("m1_cure", 30, "account entering M1 on D not cured within 30 days"),
    TargetSpec("roll", 30, "account in M1 on D rolls to M2 within 30 days"),
    TargetSpec("recovery", 60, "less than half of the amount overdue on D recovered within 60 days"),
    TargetSpec("contactability", 7, "no right-party contact in the outbound attempts of the next 7 days"),
)}
PRE_DUE_DAYS = 7
RECOVERY_GOOD_SHARE = 0.5


def spec(target: str) -> TargetSpec:
    if target not in TARGETS:
        raise InputError(f"unknown target {target!r}; use one of {', '.join(TARGETS)}")
    return TARGETS[target]


# -- pure: (population, outcome) from frames ----------------------------------------------------------


def m1_cure(snaps: pl.DataFrame, days: list[int]) -> pl.DataFrame:
    """(loan_pk, d, bad): entries into M1 on d; bad when no DPD-0 day in (d, d + 30]."""
    pop = _entries(snaps, days)
    cured = _any_after(pop, snaps, 30, pl.col("dpd") == 0)
    return pop.join(cured, on=["loan_pk", "d"], how="left").select(
        "loan_pk", "d", (~pl.col("hit").fill_null(False)).cast(pl.Int8).alias("bad"))


def roll(snaps: pl.DataFrame, days: list[int]) -> pl.DataFrame:
    """(loan_pk, d, bad): accounts in M1 on d; bad when DPD reaches 31 within 30 days."""
    pop = snaps.filter(pl.col("day").is_in(days) & (pl.col("bucket") == "M1")).select("loan_pk", pl.col("day").alias("d"))
    rolled = _any_after(pop, snaps, 30, pl.col("dpd") >= 31)
    return pop.join(rolled, on=["loan_pk", "d"], how="left").select(
        "loan_pk", "d", pl.col("hit").fill_null(False).cast(pl.Int8).alias("bad"))


def pre_due(snaps: pl.DataFrame, inst: pl.DataFrame, days: list[int]) -> pl.DataFrame:
    """(loan_pk, d, bad): current accounts with an installment due in (d, d + 7]; bad when the
    snapshot of the day after that due day shows DPD >= 1 (no snapshot then: paid off, good)."""
    cur = snaps.filter(pl.col("day").is_in(days) & (pl.col("dpd") == 0) & ~pl.col("closed")) \
        .select("loan_pk", pl.col("day").alias("d"))
    nxt = cur.join(inst.select("loan_pk", "due_day"), on="loan_pk").filter(
        (pl.col("due_day") > pl.col("d")) & (pl.col("due_day") <= pl.col("d") + PRE_DUE_DAYS)) \
        .group_by("loan_pk", "d").agg(pl.col("due_day").min())
    after = snaps.select("loan_pk", (pl.col("day") - 1).alias("due_day"), "dpd")
    out = nxt.join(after, on=["loan_pk", "due_day"], how="left")
    return out.select("loan_pk", "d", (pl.col("dpd").fill_null(0) >= 1).cast(pl.Int8).alias("bad"))


def recovery(snaps: pl.DataFrame, pays: pl.DataFrame, days: list[int], window: int = 60) -> pl.DataFrame:
    """(loan_pk, d, recovery_share, bad) for accounts past due on d with something overdue."""
    pop = snaps.filter(pl.col("day").is_in(days) & (pl.col("dpd") >= 1) & (pl.col("overdue_minor") > 0)) \
        .select("loan_pk", pl.col("day").alias("d"), "overdue_minor")
    paid = pop.join(pays, on="loan_pk").filter(
        (pl.col("paid_day") > pl.col("d")) & (pl.col("paid_day") <= pl.col("d") + window)) \
        .group_by("loan_pk", "d").agg(pl.col("amount_minor").sum().alias("recovered_minor"))
    out = pop.join(paid, on=["loan_pk", "d"], how="left").with_columns(
        (pl.col("recovered_minor").fill_null(0) / pl.col("overdue_minor")).clip(upper_bound=1.0).alias("recovery_share"))
    return out.select("loan_pk", "d", "recovery_share",
                      (pl.col("recovery_share") < RECOVERY_GOOD_SHARE).cast(pl.Int8).alias("bad"))


def contactability(loans: pl.DataFrame, events: pl.DataFrame, days: list[int], window: int = 7) -> pl.DataFrame:
    """(loan_pk, d, bad): placeholder until contact events accumulate — per loan with outbound
    attempts in (d, d + window], bad when none of them was a conversation with the borrower."""
    x = loans.select("loan_pk", "borrower_id").join(pl.DataFrame({"d": days}, schema={"d": pl.Int64}), how="cross") \
        .join(events.filter(pl.col("direction") == "outbound"), on="borrower_id") \
        .filter((pl.col("day") > pl.col("d")) & (pl.col("day") <= pl.col("d") + window))
    return x.group_by("loan_pk", "d").agg((pl.col("outcome") == "conversation").any().alias("rpc")) \
        .select("loan_pk", "d", (~pl.col("rpc")).cast(pl.Int8).alias("bad"))


def _entries(snaps: pl.DataFrame, days: list[int]) -> pl.DataFrame:
    return snaps.filter(pl.col("day").is_in(days) & (pl.col("prev_bucket") == "M0") & (pl.col("bucket") == "M1")) \
        .select("loan_pk", pl.col("day").alias("d"))


def _any_after(pop: pl.DataFrame, snaps: pl.DataFrame, window: int, cond: pl.Expr) -> pl.DataFrame:
    hits = snaps.filter(cond).select("loan_pk", pl.col("day").alias("hit_day"))
    return pop.join(hits, on="loan_pk").filter(
        (pl.col("hit_day") > pl.col("d")) & (pl.col("hit_day") <= pl.col("d") + window)) \
        .group_by("loan_pk", "d").agg(pl.lit(True).alias("hit"))


# -- reading and stacking --------------------------------------------------------------------------------


def target_rows(session: Session, decision_dates: list[date], target: str) -> pl.DataFrame:
    """(loan_pk, d, bad[, recovery_share]) for every decision date whose window is fully observed."""
    from accord.scoring.book_features import repository

    sp = spec(target)
    last = repository.last_snapshot_day(session)
    if last is None:
        raise ProblemError("no delinquency snapshots yet: run the daily cycle (accord run) before building targets")
    usable = sorted(d for d in set(decision_dates) if d + timedelta(days=sp.window_days) <= last)
    if not usable:
        raise ProblemError(f"target {target}: no decision date has its {sp.window_days}-day outcome window "
                           f"observed (last snapshot {last})")
    days = [epoch_day(d) for d in usable]
    first, end = usable[0] - timedelta(days=1), usable[-1] + timedelta(days=sp.window_days + 1)
    if target == "contactability":
        optional = repository.read_optional(session, end)
        if optional["contact_events"] is None or optional["contact_events"].height == 0:
            raise ProblemError("target contactability needs contact events; none are recorded in this database")
        book = repository.read_book(session, usable[0], usable[-1])
        return contactability(book["loans"], optional["contact_events"], days)
    snaps = repository.read_snapshots(session, first, min(end, last))
    if target == "m1_cure":
        return m1_cure(snaps, days)
    if target == "roll":
        return roll(snaps, days)
    book = repository.read_book(session, usable[0], min(end, last))
    if target == "pre_due":
        return pre_due(snaps, book["installments"], days)
    return recovery(snaps, book["payments"], days, sp.window_days)


def training_table(session: Session, decision_dates: list[date], target: str,
                   tables: set[str] | None = None) -> pl.DataFrame:
    """Features as of each decision date (point-in-time) joined with the target that followed,
    stacked over the dates: id columns, ``decision_date``, features, and the label in a column named
    after the target (1 = bad; plus ``recovery_share`` for recovery), so a model trained on it is
    registered under the target's name. Rows are sorted by date for the out-of-time split."""
    from accord.scoring.book_features import features_for

    rows = target_rows(session, decision_dates, target)
    if rows.height == 0:
        raise ProblemError(f"target {target}: no account is in the population on the decision dates given")
    feats = features_for(session, rows.select("loan_pk", "d"), tables)
    rows = rows.with_columns(pl.col("d").cast(pl.Int32).cast(pl.Date).alias("decision_date")).drop("d") \
        .rename({"bad": target})
    out = feats.join(rows, on=["loan_pk", "decision_date"], how="inner")
    return out.sort("decision_date", "loan_pk")
