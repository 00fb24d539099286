"""Portfolio KPIs from daily snapshots and installments (product.md glossary), pure over frames.

- day-1 delinquency (closest to 入催率): installments not fully paid by the end of their due day,
  by count and by amount due, among installments due in the window;
- 30-day cure rate: of loans that rolled M0 → M1 on a day of the window, the share back in M0 (or
  paid off) within 30 days — only entries at least 30 days before the window's end are judged;
- 90+ ratio: share of open loans (count and outstanding principal) more than 90 days past due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl


@dataclass(frozen=True)
class Kpis:
    day1_delinquency_count: float | None
    day1_delinquency_amount: float | None
    installments_due: int
    cure_30d: float | None
    m1_entries_judged: int
    ratio_90_plus_count: float | None
    ratio_90_plus_balance: float | None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def day1_delinquency(inst: pl.DataFrame, start: date, end: date) -> tuple[float | None, float | None, int]:
    """``inst``: due_on, amount_due, settled_on (null when not settled)."""
    d = inst.filter(pl.col("due_on").is_between(start, end))
    if d.height == 0:
        return None, None, 0
    late = d.filter(pl.col("settled_on").is_null() | (pl.col("settled_on") > pl.col("due_on")))
    return late.height / d.height, float(late["amount_due"].sum() / d["amount_due"].sum()), d.height


def cure_rate(snaps: pl.DataFrame, start: date, end: date, window: int = 30) -> tuple[float | None, int]:
    """``snaps``: loan_pk, as_of, bucket, prev_bucket, closed (daily rows)."""
    last_entry = end - timedelta(days=window)
    entries = snaps.filter((pl.col("prev_bucket") == "M0") & (pl.col("bucket") == "M1")
                           & pl.col("as_of").is_between(start, last_entry)).select("loan_pk", pl.col("as_of").alias("entered"))
    if entries.height == 0:
        return None, 0
    good = snaps.filter((pl.col("bucket") == "M0") | pl.col("closed")).select("loan_pk", "as_of")
    cured = (entries.join(good, on="loan_pk")
             .filter((pl.col("as_of") > pl.col("entered")) & (pl.col("as_of") <= pl.col("entered") + pl.duration(days=window)))
             .select("loan_pk", "entered").unique())
    return cured.height / entries.height, entries.height


def ratio_90_plus(day: pl.DataFrame) -> tuple[float | None, float | None]:
    """``day``: one snapshot day of open loans with dpd and outstanding_principal."""
    if day.height == 0:
        return None, None
    bad = day.filter(pl.col("dpd") > 90)
    total = day["outstanding_principal"].sum()
    return bad.height / day.height, (float(bad["outstanding_principal"].sum() / total) if total else None)


def kpis(inst: pl.DataFrame, snaps: pl.DataFrame, start: date, end: date) -> Kpis:
    c, a, n = day1_delinquency(inst, start, end)
    cure, judged = cure_rate(snaps, start, end)
    last = snaps.filter((pl.col("as_of") == end) & ~pl.col("closed"))
    r_c, r_b = ratio_90_plus(last)
    return Kpis(c, a, n, cure, judged, r_c, r_b)
