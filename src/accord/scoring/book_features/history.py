"""Repayment and delinquency history as of each decision day, from the schedule's due days, the
days installments became fully paid (``settled_day``) and the payments — pure (NumPy / Polars).

``pop`` is the population: one row per (``loan_pk``, ``d``) where ``d`` is the decision day
(epoch days). Every expression only looks at facts dated on or before ``d``:
an installment settled after ``d`` counts as unpaid on ``d``; payments after ``d`` are ignored.

Why the schedule rather than the daily snapshots for history: it is exact whatever the run
cadence (a book imported yesterday has no snapshot history, but its settlement days say how it
was repaid), and it matches the engine's DPD rule: on day t the DPD is t minus the due day of the
oldest installment not settled by the end of t (the due day itself is 0).

Amounts: only installments already due on d contribute their scheduled interest and fees — an
early payoff later rewrites the interest of installments not yet due (it is never charged), so
those amounts are not facts of day d; their principal never changes.

Speed (issue 5: a million accounts, twelve million installments, in seconds): rows are put in
(loan, day) order once, and every aggregate is a NumPy segment reduction (``reduceat``) over each
loan's contiguous rows, or a prefix-sum difference found by binary search — one pass per aggregate,
no hashing, no join of the big tables. Hash group-bys cost about ten times more here.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from accord.delinquency.buckets import DEFAULT_BOUNDS

DAY_BITS = 21  # (loan_pk << 21) + day orders rows by loan, then day; days are 0 .. 2**21 (year 7711)
NEVER = (1 << DAY_BITS) - 1  # "not settled yet": a settlement day beyond any decision day

HISTORY_COLUMNS = {
    "dpd": pl.Int64, "bucket_no": pl.Int64, "times_delinquent": pl.Int64,
    "max_dpd_90d": pl.Int64, "max_dpd_180d": pl.Int64, "max_dpd_ever": pl.Int64,
    "worst_bucket_90d": pl.Int64, "worst_bucket_180d": pl.Int64,
    "installments_due": pl.Int64, "installments_late": pl.Int64, "unpaid_installments": pl.Int64,
    "on_time_share": pl.Float64, "mean_days_late": pl.Float64, "std_days_late": pl.Float64,
    "max_days_late": pl.Int64, "installment_minor": pl.Int64, "days_to_next_due": pl.Int64,
    "principal_remaining_minor": pl.Int64, "due_to_date_minor": pl.Int64,
    "payments_count": pl.Int64, "payments_90d": pl.Int64, "paid_total_minor": pl.Int64,
    "days_since_last_payment": pl.Int64, "partial_payment_ratio": pl.Float64, "paid_to_due_ratio": pl.Float64,
}


# Made by the payment block (and the ratio of the two blocks), not the schedule block.
PAYMENT_COLUMNS = ("payments_count", "payments_90d", "paid_total_minor", "days_since_last_payment",
                   "partial_payment_ratio", "paid_to_due_ratio")


def bucket_of(dpd: pl.Expr) -> pl.Expr:
    """Bucket number (M0 = 0 … M7 = 7) of a DPD under the default bounds."""
    expr = pl.lit(len(DEFAULT_BOUNDS), dtype=pl.Int64)
    for i, bound in reversed(list(enumerate(DEFAULT_BOUNDS))):
        expr = pl.when(dpd <= bound).then(pl.lit(i, dtype=pl.Int64)).otherwise(expr)
    return pl.when(dpd.is_null()).then(None).otherwise(expr)


def _key(loan: pl.Expr, day: pl.Expr) -> pl.Expr:
    return (loan.cast(pl.Int64) * (1 << DAY_BITS) + day.cast(pl.Int64)).alias("_key")


def _in_loan_day_order(df: pl.DataFrame, day: str) -> pl.DataFrame:
    """``df`` ordered by (loan_pk, ``day``) with its ``_key``; sorted only when it is not already
    (the book is usually stored loan by loan). A ``_key`` column already present is taken as that
    key (the repository reads (loan, day) packed so and keeps it)."""
    if "_key" not in df.columns:
        if df.height and (df[day].min() < 0 or df[day].max() >= 1 << DAY_BITS):
            raise ValueError(f"{day}: a day outside 1970-01-01 .. 7711")
        df = df.with_columns(_key(pl.col("loan_pk"), pl.col(day)))
    return df if df["_key"].is_sorted() else df.sort("_key")


def _cumsum0(a: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading 0 (``out[i]`` = sum of the first i values), in one allocation."""
    out = np.empty(len(a) + 1, dtype=np.float64 if a.dtype.kind == "f" else np.int64)
    out[0] = 0
    np.cumsum(a, out=out[1:])
    return out


def _episode_entries(due: np.ndarray, settled: np.ndarray, d, starts: np.ndarray) -> np.ndarray:
    """Per run, the days on or before d on which the loan entered delinquency (DPD 0 -> >= 1: an
    M0 -> M1 entry); rows of a run are one loan's installments in due order.

    Installment i keeps the loan past due on days [due+1, settled-1]; the loan is delinquent on the
    union of these intervals. A new episode starts where an interval begins after every earlier one
    ended. Merging with the (future) settlement days gives the same starts up to any day d as
    merging the intervals cut at d, so counting starts <= d is point-in-time correct.

    The latest end so far is a running maximum of (run, day) keys, which restarts by itself at each
    run (its keys all exceed the previous run's); rows that were never late carry their run's
    smallest key minus one, which changes nothing."""
    n = len(due)
    base = np.repeat(np.arange(len(starts), dtype=np.int64) << DAY_BITS, np.diff(np.r_[starts, n]))
    late = settled >= due + 2
    ended = np.maximum.accumulate(np.where(late, base + settled - 1, base - 1))
    before = np.r_[-1, ended[:-1]]
    # new: the interval [due + 1, ...] starts after the latest end + 1 (and on or before d)
    new = late & (due < d) & (base + due > before)
    return np.add.reduceat(new, starts, dtype=np.int64)


def _runs(by: np.ndarray) -> np.ndarray:
    """Start of each run of equal ``by`` values (one run per population row)."""
    return np.flatnonzero(np.r_[True, by[1:] != by[:-1]]) if len(by) else np.empty(0, np.int64)


def _run_stats(due: np.ndarray, settled: np.ndarray, sched: np.ndarray, principal: np.ndarray, d,
               starts: np.ndarray) -> dict[str, np.ndarray]:
    """Per run (``starts``: first row of each), the schedule statistics on its decision day d
    (int32 scalar, or per row). Every statistic is a segment reduction; masks whose rows cannot
    change a maximum are folded into the values (the neutral value is the result's default)."""
    dd = d - due  # days since due: > 0 once past due
    gap = settled - due  # settled relative to due (NEVER when not settled)
    unpaid = settled > d
    due_before = dd > 0
    open_late = due_before & unpaid
    is_due = dd >= 0
    count = lambda m: np.add.reduceat(m, starts, dtype=np.int64)  # noqa: E731
    n_due = count(is_due)
    n_settled = count(~unpaid)
    # Worst DPD an installment caused by d: it grew until the day before settlement, or to d
    # (<= 0 when it was never late, which the default 0 absorbs).
    worst = np.minimum(gap - 1, dd)
    # Days late of installments settled by d (0 when paid on or before the due day): regularity.
    late_days = np.where(unpaid, 0, np.maximum(gap, 0))
    mean = np.add.reduceat(late_days, starts, dtype=np.float64) / np.maximum(n_settled, 1)
    dev = np.where(unpaid, 0.0, late_days - np.repeat(mean, np.diff(np.r_[starts, len(due)])))
    next_due = np.minimum.reduceat(np.where(unpaid & (dd <= 0), -dd, NEVER), starts)
    return {
        "dpd": np.maximum.reduceat(np.where(open_late, dd, 0), starts),
        # the installment's lateness lasted into the window (d - w, d]: min(settled - 1, d) > d - w
        "max_dpd_90d": np.maximum(np.maximum.reduceat(np.where(settled > d - 89, worst, 0), starts), 0),
        "max_dpd_180d": np.maximum(np.maximum.reduceat(np.where(settled > d - 179, worst, 0), starts), 0),
        "max_dpd_ever": np.maximum(np.maximum.reduceat(worst, starts), 0),
        "installments_due": n_due,
        "installments_late": count(due_before & (gap >= 2)),
        "unpaid_installments": count(open_late),
        "_n_settled": n_settled,
        "mean_days_late": mean,
        "std_days_late": np.sqrt(np.add.reduceat(dev * dev, starts) / np.maximum(n_settled - 1, 1)),
        "max_days_late": np.maximum.reduceat(late_days, starts),
        # Installment size: the latest installment due by d (rows are in due order, so those due
        # by d come first in each run); before the first due day, the first installment's principal.
        "installment_minor": np.where(n_due > 0, sched[starts + np.maximum(n_due, 1) - 1], principal[starts]),
        "days_to_next_due": np.where(next_due == NEVER, -1, next_due),
        "principal_remaining_minor": np.add.reduceat(np.where(unpaid, principal, 0), starts),
        "due_to_date_minor": np.add.reduceat(np.where(is_due, sched, 0), starts),
        "_known": count(due_before),
        "times_delinquent": _episode_entries(due, settled, d, starts),
    }


CHUNK_ROWS = 1 << 18  # rows per piece of the schedule statistics: a piece's arrays stay in cache


def _chunked_run_stats(due, settled, sched, principal, d, starts) -> dict[str, np.ndarray]:  # noqa: ANN001
    """``_run_stats`` over pieces of whole runs (about ``CHUNK_ROWS`` rows each): at a million
    loans the arrays would not fit in the cache and every pass would go to memory."""
    n = len(due)
    cuts = np.unique(np.r_[np.searchsorted(starts, np.arange(0, n, CHUNK_ROWS)), len(starts)])
    parts = []
    for r0, r1 in zip(cuts[:-1], cuts[1:]):
        a, b = starts[r0], (starts[r1] if r1 < len(starts) else n)
        rows = slice(a, b)
        parts.append(_run_stats(due[rows], settled[rows], sched[rows], principal[rows],
                                d if d.ndim == 0 else d[rows], starts[r0:r1] - a))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _schedule_rows(inst: pl.DataFrame, pop: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray | int]:
    """The installments of every population row, each row's in due order and contiguous, and the
    decision day of each (a single number when there is one decision day).

    One decision day (the daily scoring): the book's rows as they are, one run per loan — loans
    outside the population are computed and dropped afterwards, cheaper than joining twelve million
    rows. Several days (training tables): each (loan, d) pair gets its loan's rows."""
    cols = ["loan_pk", "due_day", "scheduled_minor", "principal_due", "settled_day"]
    days = pop["d"].unique()
    if days.len() == 1:
        keyed = [*cols, "_key"] if "_key" in inst.columns else cols
        return _in_loan_day_order(inst.select(keyed), "due_day"), int(days[0])
    x = pop.select("loan_pk", "d").join(inst.select(cols), on="loan_pk", how="inner")
    x = x.with_columns(_key(pl.col("loan_pk"), pl.col("d"))).sort("_key", "due_day")
    return x, x["d"].to_numpy()


def schedule_block(x: pl.DataFrame, d: np.ndarray | int, pop: pl.DataFrame) -> pl.DataFrame:
    """DPD, delinquency episodes, worst DPD in windows, lateness and balances for each run of the
    rows ``_schedule_rows`` gave (one per loan, or per (loan, d) pair)."""
    if x.height == 0:
        return pop.select("loan_pk", "d").clear().with_columns(
            [pl.lit(None, dtype=t).alias(c) for c, t in HISTORY_COLUMNS.items() if c not in PAYMENT_COLUMNS])
    # Days as int32 (they fit: NEVER is 2**21 - 1): half the memory traffic of int64, twice as fast.
    due = x["due_day"].to_numpy().astype(np.int32)
    settled = x["settled_day"].fill_null(NEVER).to_numpy().astype(np.int32)
    d = np.int32(d) if isinstance(d, int) else d.astype(np.int32)
    # One run per loan (one decision day) or per (loan, d) pair, whose key is then loan and d.
    starts = _runs(x["loan_pk"].to_numpy() if d.ndim == 0 else x["_key"].to_numpy())
    stats = _chunked_run_stats(due, settled, x["scheduled_minor"].to_numpy(), x["principal_due"].to_numpy(),
                               d, starts)
    out = pl.DataFrame({
        "loan_pk": x["loan_pk"].to_numpy()[starts],
        "d": np.full(len(starts), d, dtype=np.int64) if d.ndim == 0 else d[starts].astype(np.int64),
        **stats,
    })
    n = pl.col("_n_settled")
    out = out.with_columns(
        pl.when(n > 0).then(pl.col("mean_days_late")).alias("mean_days_late"),
        pl.when(n > 1).then(pl.col("std_days_late")).alias("std_days_late"),
        pl.when(n > 0).then(pl.col("max_days_late")).alias("max_days_late"),
        pl.when(pl.col("days_to_next_due") >= 0).then(pl.col("days_to_next_due")).alias("days_to_next_due"),
        pl.when(pl.col("_known") > 0).then(1 - pl.col("installments_late") / pl.col("_known")).alias("on_time_share"),
        bucket_of(pl.col("dpd")).alias("bucket_no"),
        bucket_of(pl.col("max_dpd_90d")).alias("worst_bucket_90d"),
        bucket_of(pl.col("max_dpd_180d")).alias("worst_bucket_180d"),
    ).drop("_known", "_n_settled")
    return out


def payment_block(pays: pl.DataFrame, inst: pl.DataFrame, pop: pl.DataFrame,
                  due_order: pl.DataFrame | None = None) -> pl.DataFrame:
    """Payments up to d, one row per population row: count, total, recency, and the share of
    payment days that were partial (0 / null for loans without payments by d).

    A payment day is partial when something was owed that day (scheduled amounts due so far minus
    everything paid on earlier days) and the day's payments together did not cover it. Penalties are
    left out of "owed": paying the schedule but not the penalty is not called partial. Payments of
    one day count together: their order within a day is not something every book records (imports
    carry a date). Each day's verdict only looks backwards, so later payments never change it.
    ``due_order``: the installments already in (loan, due day) order with their ``_key``."""
    cols = ["_key", "amount_minor"] if "_key" in pays.columns else ["loan_pk", "paid_day", "amount_minor"]
    p = _in_loan_day_order(pays.select(cols), "paid_day")  # only what is sorted is carried along
    key = p["_key"].to_numpy()
    first = _runs(key)  # one run per payment day
    day_key = key[first]
    loan_of_day = day_key >> DAY_BITS
    day = day_key - (loan_of_day << DAY_BITS)
    amount = np.add.reduceat(p["amount_minor"].to_numpy(), first) if len(key) else np.empty(0, np.int64)
    count = np.diff(np.r_[first, len(key)])
    paid = _cumsum0(amount)
    # Each loan's payment days are one stretch: sums "so far in this loan" are differences of
    # prefix sums with the loan's first day, repeated over its days (no search needed).
    loan_first = _runs(loan_of_day)
    days_of_loan = np.diff(np.r_[loan_first, len(day_key)])
    paid_before = paid[:-1] - np.repeat(paid[loan_first], days_of_loan)
    i = due_order if due_order is not None else \
        _in_loan_day_order(inst.select("loan_pk", "due_day", "scheduled_minor",
                                       *(["_key"] if "_key" in inst.columns else [])), "due_day")
    due_key = i["_key"].to_numpy()
    due_cum = _cumsum0(i["scheduled_minor"].to_numpy())
    loan_due_start = due_cum[np.searchsorted(due_key, loan_of_day[loan_first] << DAY_BITS, "left")]
    owed = due_cum[np.searchsorted(due_key, day_key, "right")] - np.repeat(loan_due_start, days_of_loan) \
        - paid_before
    partial = (owed > 0) & (amount < owed)
    # Each population row: its loan's payment days up to d are one stretch of the sorted days.
    loan = pop["loan_pk"].to_numpy().astype(np.int64)
    d = pop["d"].to_numpy().astype(np.int64)
    lo = np.searchsorted(day_key, loan << DAY_BITS, "left")
    hi = np.searchsorted(day_key, (loan << DAY_BITS) + d, "right")
    hi90 = np.maximum(np.searchsorted(day_key, (loan << DAY_BITS) + d - 90, "right"), lo)
    n_cum = _cumsum0(count)
    partial_cum = _cumsum0(partial)
    has = hi > lo
    last_day = np.where(has, day[np.maximum(hi - 1, 0)] if len(day) else 0, 0)
    out = pl.DataFrame({
        "loan_pk": pop["loan_pk"], "d": pop["d"],
        "payments_count": n_cum[hi] - n_cum[lo], "payments_90d": n_cum[hi] - n_cum[hi90],
        "paid_total_minor": paid[hi] - paid[lo], "_has": has, "_since": d - last_day,
        "_ratio": (partial_cum[hi] - partial_cum[lo]) / np.maximum(hi - lo, 1),
    })
    return out.select(
        "loan_pk", "d", "payments_count", "payments_90d", "paid_total_minor",
        pl.when("_has").then(pl.col("_since")).alias("days_since_last_payment"),
        pl.when("_has").then(pl.col("_ratio")).alias("partial_payment_ratio"))


def rows_for(table: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """The other columns of ``table`` (one row per (loan_pk, d) at most) for each population row,
    in its order, null where it has none: a left join done as a binary search over the (loan, d)
    keys — at a million rows several times cheaper than a hash join."""
    key = lambda df: (df["loan_pk"].to_numpy().astype(np.int64) << DAY_BITS) + df["d"].to_numpy()  # noqa: E731
    have = key(table)
    if len(have) > 1 and not (have[1:] > have[:-1]).all():
        table = table.sort("loan_pk", "d")
        have = key(table)
        if (have[1:] == have[:-1]).any():
            raise ValueError("rows_for: more than one row for a (loan_pk, d)")
    return _rows_of(table, pop, have)


def _rows_of(runs: pl.DataFrame, pop: pl.DataFrame, have: np.ndarray | None = None) -> pl.DataFrame:
    """The rows of ``runs`` (ordered by loan, then d) for each population row, null where a
    population row has none (a loan without installments): a binary search, not a hash join."""
    key = lambda df: (df["loan_pk"].to_numpy().astype(np.int64) << DAY_BITS) + df["d"].to_numpy()  # noqa: E731
    have, want = key(runs) if have is None else have, key(pop)
    at = np.minimum(np.searchsorted(have, want), max(len(have) - 1, 0))
    found = (have[at] == want) if len(have) else np.zeros(len(want), dtype=bool)
    idx = pl.Series(at, dtype=pl.UInt32).set(pl.Series(~found), None) if len(want) else pl.Series([], dtype=pl.UInt32)
    return runs.drop("loan_pk", "d").select(pl.all().gather(idx))


def history_features(inst: pl.DataFrame, pays: pl.DataFrame, pop: pl.DataFrame) -> pl.DataFrame:
    """Schedule and payment blocks on the population, in its row order (loans without payments
    get 0 / null)."""
    pop = pop.select(pl.col("loan_pk").cast(pl.Int64), pl.col("d").cast(pl.Int64))
    x, d = _schedule_rows(inst, pop)
    # One decision day: the schedule rows are the installments in (loan, due) order, with the key
    # the payment block needs too.
    due_order = x if isinstance(d, int) else None
    # The two blocks are independent; NumPy and Polars release the GIL, so they overlap on two cores.
    with ThreadPoolExecutor(1) as pool:
        paid = pool.submit(payment_block, pays, inst, pop, due_order)
        sched = schedule_block(x, d, pop)
        paid = paid.result()
    out = pl.concat([pop, _rows_of(sched, pop), paid.drop("loan_pk", "d")], how="horizontal")
    out = out.with_columns(
        pl.when(pl.col("due_to_date_minor") > 0)
        .then((pl.col("paid_total_minor") / pl.col("due_to_date_minor")).clip(upper_bound=5.0))
        .alias("paid_to_due_ratio"))
    return out.select("loan_pk", "d", *[pl.col(c).cast(t) for c, t in HISTORY_COLUMNS.items()])
