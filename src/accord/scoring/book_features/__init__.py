"""Point-in-time features of the loan book (风险特征), built columnar from Accord's own tables.

``build_features(session, decision_date)`` gives one row per loan open on that day, using only what
was known that day: payments paid on or before it, installments' paid state as of it (from the
days they became fully paid, never the current ``*_paid`` columns), the snapshot of that day, and
promises / contacts / replies / arrangements dated on or before it. ``features_for(session, pop)``
does the same for any (loan, decision day) pairs at once — the stacked training tables.

Families (see ``FEATURE_COLUMNS``; money in integer minor units, ratios as floats):
  loan terms     product, kind, repayment_method, principal_minor, annual_rate, term_months,
                 months_on_book, language, jurisdiction (not protected attributes)
  delinquency    dpd, bucket_no, times_delinquent (M0 -> M1 entries), max_dpd_90d / 180d / ever,
                 worst_bucket_90d / 180d, unpaid_installments
  repayment      installments_due, installments_late, on_time_share, mean / std / max_days_late
                 (regularity), payments_count, payments_90d, paid_total_minor,
                 days_since_last_payment, partial_payment_ratio, paid_to_due_ratio
  balance        balance_minor, overdue_minor, penalty_minor (the day's snapshot; balance falls back
                 to the unpaid scheduled principal), installment_minor, balance_to_installment,
                 principal_remaining_minor, due_to_date_minor, days_to_next_due
  optional       promises_*, contacts / rpc / responsiveness, replies_* by intent, arrangements_*:
                 null when the table does not exist in the database
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy.orm import Session

from accord.kit.timeutil import epoch_day
from accord.scoring.book_features import blocks, history, repository
from accord.scoring.pages import small_pages

ID_COLUMNS = ("loan_pk", "loan_id", "borrower_id", "decision_date")
FEATURE_COLUMNS: tuple[str, ...] = (
    *blocks.LOAN_COLUMNS, *history.HISTORY_COLUMNS, *blocks.SNAPSHOT_COLUMNS,
    *[c for cols in blocks.OPTIONAL_FAMILIES.values() for c in cols])


def open_population(loans: pl.DataFrame, days: list[int]) -> pl.DataFrame:
    """(loan_pk, d) for every loan open on each day d: disbursed by d and not closed by d."""
    d = pl.DataFrame({"d": sorted(set(days))}, schema={"d": pl.Int64})
    return loans.select("loan_pk", "disbursed_day", "closed_day").join(d, how="cross").filter(
        (pl.col("disbursed_day") <= pl.col("d"))
        & (pl.col("closed_day").is_null() | (pl.col("closed_day") > pl.col("d")))).select("loan_pk", "d")


def compute_features(book: dict[str, pl.DataFrame], snaps: pl.DataFrame, optional: dict,
                     pop: pl.DataFrame) -> pl.DataFrame:
    """The pure core: all families for the (loan_pk, d) pairs of ``pop``; ``d`` in epoch days."""
    pop = pop.select(pl.col("loan_pk").cast(pl.Int64), pl.col("d").cast(pl.Int64))
    if not _strictly_increasing(pop):  # the daily path's population is (loan order, one day): unique
        pop = pop.unique(maintain_order=True)
    base = blocks.loan_block(book["loans"], pop)
    keys = base.select("loan_pk", "d", "borrower_id")
    pairs = keys.select("loan_pk", "d")
    # Every block returns one row per row of ``keys``, in its order: placed side by side, not joined.
    parts = [
        history.history_features(book["installments"], book["payments"], pairs),
        blocks.snapshot_block(snaps, pairs),
        blocks.promise_block(optional.get("promises"), pairs),
        blocks.contact_block(optional.get("contact_events"), keys),
        blocks.reply_block(optional.get("replies"), keys),
        blocks.arrangement_block(optional.get("arrangements"), pairs),
    ]
    for part in parts:
        if part.height != base.height or not part["loan_pk"].equals(base["loan_pk"]):
            raise AssertionError("a feature block lost the population's row order")
    out = pl.concat([base, *[p.drop("loan_pk", "d", "borrower_id", strict=False) for p in parts]], how="horizontal")
    out = out.with_columns(pl.col("balance_minor").fill_null(pl.col("principal_remaining_minor")))
    out = out.with_columns(
        pl.when(pl.col("installment_minor") > 0).then(pl.col("balance_minor") / pl.col("installment_minor"))
        .alias("balance_to_installment"),
        pl.col("d").cast(pl.Int32).cast(pl.Date).alias("decision_date"))
    out = out.select(*ID_COLUMNS, *FEATURE_COLUMNS)
    order = (pl.col("decision_date").cast(pl.Int64) * (1 << 42) + pl.col("loan_pk"))
    return out if out.select(order.is_sorted())[0, 0] else out.sort("decision_date", "loan_pk")


def _strictly_increasing(pop: pl.DataFrame) -> bool:
    key = (pop["loan_pk"].to_numpy() << history.DAY_BITS) + pop["d"].to_numpy()
    return bool((key[1:] > key[:-1]).all())


def features_for(session: Session, pop: pl.DataFrame, tables: set[str] | None = None) -> pl.DataFrame:
    """Features for arbitrary (loan_pk, d) pairs (``d`` epoch days), reading the database once."""
    if pop.height == 0:
        raise ValueError("features_for: the population is empty")
    with small_pages():
        return _features_for(session, pop, tables)


def _features_for(session: Session, pop: pl.DataFrame, tables: set[str] | None) -> pl.DataFrame:
    first, last = (_day(int(v)) for v in (pop["d"].min(), pop["d"].max()))
    book = repository.read_book(session, first, last)
    days = sorted(set(pop["d"].to_list()))
    snaps = repository.read_balances(session, [_day(d) for d in days])
    optional = repository.read_optional(session, last, tables)
    return compute_features(book, snaps, optional, pop)


def build_features(session: Session, decision_date: date, tables: set[str] | None = None) -> pl.DataFrame:
    """One row per loan open on ``decision_date`` (``ID_COLUMNS`` then ``FEATURE_COLUMNS``)."""
    with small_pages():
        book = repository.read_book(session, decision_date, decision_date)
        pop = open_population(book["loans"], [epoch_day(decision_date)])
        snaps = repository.read_balances(session, [decision_date])
        optional = repository.read_optional(session, decision_date, tables)
        return compute_features(book, snaps, optional, pop)


def _day(n: int) -> date:
    from accord.kit.timeutil import from_epoch_day

    return from_epoch_day(n)


__all__ = ["FEATURE_COLUMNS", "ID_COLUMNS", "build_features", "compute_features", "features_for",
           "open_population"]
