"""Case opening, stage updates and closing from one day's delinquency snapshot — pure and columnar.

``plan_sync`` compares the snapshot with the open cases and says, for every loan at once, what to do:
open a case (dpd ≥ 1 and no open case), move an open case's bucket / stage, or close it (cured when dpd
is back to 0, paid off when the loan closed; a loan that left the book since the last sync closes with
the loan's own reason). No loop over loans: the daily run calls this on hundreds of thousands of rows.

Pre-due cases (stage ``pre_due``, bucket M0): a current account whose next installment falls due
within the policy's days and is at risk (``pre_due_risk``) gets a case before the due date. It closes
as ``paid`` once no unpaid installment is due within those days, or — not paid — simply continues as
the M1 case when the installment turns delinquent (the same case; no second one opens).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from accord.journal.chain import digest_lines

SNAPSHOT_SCHEMA = {"loan_pk": pl.Int64, "loan_id": pl.String, "borrower_id": pl.String, "dpd": pl.Int64,
                   "bucket": pl.String, "closed": pl.Boolean}
CASES_SCHEMA = {"id": pl.Int64, "loan_pk": pl.Int64, "loan_id": pl.String, "borrower_id": pl.String,
                "stage": pl.String, "bucket": pl.String, "dpd": pl.Int64}
GONE_SCHEMA = {"loan_pk": pl.Int64, "status": pl.String, "close_reason": pl.String, "closed_on": pl.Date}
# Current loans (DPD 0) with an unpaid installment due within the pre-due days, with its history.
# paid_minor: already paid on that installment plus credit the loan holds (a payment made before the
# due date waits as credit and is applied when the installment falls due).
PRE_DUE_SCHEMA = {"loan_pk": pl.Int64, "loan_id": pl.String, "borrower_id": pl.String, "due_on": pl.Date,
                  "due_minor": pl.Int64, "paid_minor": pl.Int64, "late_recent": pl.Int64}
PRE_DUE_STAGE = "pre_due"

# Loan close reasons (loans.close_reason / loans.status) → case close reasons.
_LOAN_REASON = {"paid_off": "paid_off", "settled": "settled", "written_off": "written_off"}


@dataclass(frozen=True)
class SyncPlan:
    to_open: pl.DataFrame  # loan_pk, loan_id, borrower_id, dpd, bucket, stage
    to_update: pl.DataFrame  # id, loan_id, borrower_id, stage, bucket, dpd (only rows that changed)
    to_close: pl.DataFrame  # id, loan_pk, loan_id, borrower_id, close_reason, closed_on
    unresolved: pl.DataFrame  # open cases whose loan has no snapshot and is still open (left alone)

    def counts(self) -> dict:
        reasons = dict(sorted(self.to_close.group_by("close_reason").len().iter_rows())) \
            if self.to_close.height else {}
        return {"opened": self.to_open.height,
                "opened_pre_due": int((self.to_open["stage"] == PRE_DUE_STAGE).sum()) if self.to_open.height else 0,
                "updated": self.to_update.height,
                "closed": self.to_close.height, "closed_by_reason": reasons,
                "unresolved": self.unresolved.height}

    def digest(self) -> str:
        """SHA-256 over every change (how the ``cases.synced`` event commits to what it did)."""
        lines = [f"open:{r[0]}:{r[1]}:{r[2]}" for r in
                 self.to_open.select("loan_id", "bucket", "dpd").iter_rows()]
        lines += [f"update:{r[0]}:{r[1]}:{r[2]}" for r in self.to_update.select("id", "stage", "dpd").iter_rows()]
        lines += [f"close:{r[0]}:{r[1]}" for r in self.to_close.select("id", "close_reason").iter_rows()]
        return digest_lines(lines)


def pre_due_risk(candidates: pl.DataFrame, scores: pl.DataFrame | None, *, threshold: float, late_of_last: int,
                 partial_payment: bool) -> pl.DataFrame:
    """``candidates`` (PRE_DUE_SCHEMA) with ``at_risk``: the pre-due model's ``p_bad >= threshold``
    where the account has a score for the day (``scores``: loan_pk, p_bad), else the rule — late in
    ``late_of_last`` of its recent installments, or (``partial_payment``) partly paid the one due.
    Installments already covered in full are dropped: they are not watched (a pre-due case closes)."""
    c = candidates.cast(PRE_DUE_SCHEMA).sort("due_on").unique("loan_pk", keep="first")  # type: ignore[arg-type]
    # Covered in full (paid, or enough credit waiting for the due date): nothing at risk any more.
    c = c.filter(pl.col("paid_minor") < pl.col("due_minor"))
    if scores is not None and scores.height:
        c = c.join(scores.select(pl.col("loan_pk").cast(pl.Int64), pl.col("p_bad").cast(pl.Float64)),
                   on="loan_pk", how="left")
    else:
        c = c.with_columns(pl.lit(None, pl.Float64).alias("p_bad"))
    rule = pl.col("late_recent") >= late_of_last
    if partial_payment:
        rule = rule | (pl.col("paid_minor") > 0)
    return c.with_columns(pl.when(pl.col("p_bad").is_not_null()).then(pl.col("p_bad") >= threshold)
                          .otherwise(rule).alias("at_risk")).sort("loan_pk")


def plan_sync(snapshot: pl.DataFrame, open_cases: pl.DataFrame, gone: pl.DataFrame, as_of: date,
              pre_due: pl.DataFrame | None = None) -> SyncPlan:
    """What to open, update and close so that the cases match ``snapshot`` (the state of ``as_of``).

    ``snapshot``: loan_pk, loan_id, borrower_id, dpd, bucket, closed (at least every delinquent or
    closed loan, and every loan with an open case that is still on the book).
    ``open_cases``: id, loan_pk, loan_id, borrower_id, stage, bucket, dpd.
    ``gone``: loan_pk, status, close_reason, closed_on for open cases' loans absent from ``snapshot``.
    ``pre_due``: ``pre_due_risk`` output — current loans with an installment due within the pre-due
    days (every such loan, so an open pre-due case whose installment is still unpaid stays open).
    """
    snapshot = snapshot.cast(SNAPSHOT_SCHEMA)  # type: ignore[arg-type]
    open_cases = open_cases.cast(CASES_SCHEMA)  # type: ignore[arg-type]
    gone = gone.cast(GONE_SCHEMA)  # type: ignore[arg-type]

    delinquent = snapshot.filter((pl.col("dpd") >= 1) & ~pl.col("closed"))
    to_open = (delinquent.join(open_cases.select("loan_pk"), on="loan_pk", how="anti")
               .select("loan_pk", "loan_id", "borrower_id", "dpd", "bucket", pl.col("bucket").alias("stage")))
    if pre_due is None:
        pre_due = pl.DataFrame(schema={**PRE_DUE_SCHEMA, "at_risk": pl.Boolean})
    watched = pre_due.select(pl.col("loan_pk").cast(pl.Int64)).unique()
    if pre_due.height:
        early = (pre_due.filter(pl.col("at_risk")).join(open_cases.select("loan_pk"), on="loan_pk", how="anti")
                 .join(snapshot.filter(pl.col("closed") | (pl.col("dpd") >= 1)).select("loan_pk"), on="loan_pk",
                       how="anti")
                 .select(pl.col("loan_pk").cast(pl.Int64), pl.col("loan_id").cast(pl.String),
                         pl.col("borrower_id").cast(pl.String), pl.lit(0, pl.Int64).alias("dpd"),
                         pl.lit("M0").alias("bucket"), pl.lit(PRE_DUE_STAGE).alias("stage")))
        to_open = pl.concat([to_open, early])
    to_open = to_open.sort("loan_pk")

    joined = open_cases.join(snapshot.select("loan_pk", pl.col("dpd").alias("s_dpd"),
                                             pl.col("bucket").alias("s_bucket"), "closed"),
                             on="loan_pk", how="left")
    on_book = joined.filter(pl.col("s_dpd").is_not_null()).join(
        watched.with_columns(pl.lit(True).alias("_due")), on="loan_pk", how="left")
    is_pre_due = pl.col("stage") == PRE_DUE_STAGE
    # A pre-due case stays open while its installment is unpaid and still ahead (or due today).
    still_due = pl.col("_due").fill_null(False)
    # A case in a repayment arrangement stays open while the arrangement runs (current by construction).
    in_arrangement = pl.col("stage") == "arrangement"
    closing_now = on_book.filter(pl.col("closed") | ((pl.col("s_dpd") == 0) & ~(is_pre_due & still_due)
                                                     & ~in_arrangement)).select(
        "id", "loan_pk", "loan_id", "borrower_id",
        pl.when(pl.col("closed")).then(pl.lit("paid_off")).when(is_pre_due).then(pl.lit("paid"))
        .otherwise(pl.lit("cured")).alias("close_reason"),
        pl.lit(as_of).alias("closed_on"))

    moving = on_book.filter(~pl.col("closed") & (pl.col("s_dpd") >= 1))
    # A bucket stage follows the bucket; a named stage (placed, legal) is kept by the workflow that set it.
    # A pre-due case whose installment turned delinquent becomes that bucket's case.
    is_bucket = pl.col("stage").str.contains(r"^M\d+$") | is_pre_due
    to_update = moving.filter((pl.col("s_dpd") != pl.col("dpd")) | (pl.col("s_bucket") != pl.col("bucket"))).select(
        "id", "loan_id", "borrower_id",
        pl.when(is_bucket).then(pl.col("s_bucket")).otherwise(pl.col("stage")).alias("stage"),
        pl.col("s_bucket").alias("bucket"), pl.col("s_dpd").alias("dpd")).sort("id")

    off_book = joined.filter(pl.col("s_dpd").is_null()).select("id", "loan_pk", "loan_id", "borrower_id")
    off = off_book.join(gone, on="loan_pk", how="left")
    left_book = off.filter(pl.col("status").is_not_null() & (pl.col("status") != "open")).select(
        "id", "loan_pk", "loan_id", "borrower_id",
        pl.coalesce(pl.col("close_reason").replace_strict(_LOAN_REASON, default=None),
                    pl.col("status").replace_strict(_LOAN_REASON, default=None),
                    pl.lit("paid_off")).alias("close_reason"),
        pl.coalesce(pl.col("closed_on"), pl.lit(as_of)).alias("closed_on"))
    unresolved = off.filter(pl.col("status").is_null() | (pl.col("status") == "open")).select(
        "id", "loan_id")
    to_close = pl.concat([closing_now, left_book]).sort("id")
    return SyncPlan(to_open, to_update, to_close, unresolved)
