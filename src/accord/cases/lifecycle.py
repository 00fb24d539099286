"""Case opening, stage updates and closing from one day's delinquency snapshot — pure and columnar.

``plan_sync`` compares the snapshot with the open cases and says, for every loan at once, what to do:
open a case (dpd ≥ 1 and no open case), move an open case's bucket / stage, or close it (cured when dpd
is back to 0, paid off when the loan closed; a loan that left the book since the last sync closes with
the loan's own reason). No loop over loans: the daily run calls this on hundreds of thousands of rows.
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

# Loan close reasons (loans.close_reason / loans.status) → case close reasons.
_LOAN_REASON = {"paid_off": "paid_off", "settled": "settled", "written_off": "written_off"}


@dataclass(frozen=True)
class SyncPlan:
    to_open: pl.DataFrame  # loan_pk, loan_id, borrower_id, dpd, bucket
    to_update: pl.DataFrame  # id, loan_id, borrower_id, stage, bucket, dpd (only rows that changed)
    to_close: pl.DataFrame  # id, loan_pk, loan_id, borrower_id, close_reason, closed_on
    unresolved: pl.DataFrame  # open cases whose loan has no snapshot and is still open (left alone)

    def counts(self) -> dict:
        reasons = dict(sorted(self.to_close.group_by("close_reason").len().iter_rows())) \
            if self.to_close.height else {}
        return {"opened": self.to_open.height, "updated": self.to_update.height,
                "closed": self.to_close.height, "closed_by_reason": reasons,
                "unresolved": self.unresolved.height}

    def digest(self) -> str:
        """SHA-256 over every change (how the ``cases.synced`` event commits to what it did)."""
        lines = [f"open:{r[0]}:{r[1]}:{r[2]}" for r in
                 self.to_open.select("loan_id", "bucket", "dpd").iter_rows()]
        lines += [f"update:{r[0]}:{r[1]}:{r[2]}" for r in self.to_update.select("id", "stage", "dpd").iter_rows()]
        lines += [f"close:{r[0]}:{r[1]}" for r in self.to_close.select("id", "close_reason").iter_rows()]
        return digest_lines(lines)


def plan_sync(snapshot: pl.DataFrame, open_cases: pl.DataFrame, gone: pl.DataFrame, as_of: date) -> SyncPlan:
    """What to open, update and close so that the cases match ``snapshot`` (the state of ``as_of``).

    ``snapshot``: loan_pk, loan_id, borrower_id, dpd, bucket, closed (at least every delinquent or
    closed loan, and every loan with an open case that is still on the book).
    ``open_cases``: id, loan_pk, loan_id, borrower_id, stage, bucket, dpd.
    ``gone``: loan_pk, status, close_reason, closed_on for open cases' loans absent from ``snapshot``.
    """
    snapshot = snapshot.cast(SNAPSHOT_SCHEMA)  # type: ignore[arg-type]
    open_cases = open_cases.cast(CASES_SCHEMA)  # type: ignore[arg-type]
    gone = gone.cast(GONE_SCHEMA)  # type: ignore[arg-type]

    delinquent = snapshot.filter((pl.col("dpd") >= 1) & ~pl.col("closed"))
    to_open = (delinquent.join(open_cases.select("loan_pk"), on="loan_pk", how="anti")
               .select("loan_pk", "loan_id", "borrower_id", "dpd", "bucket").sort("loan_pk"))

    joined = open_cases.join(snapshot.select("loan_pk", pl.col("dpd").alias("s_dpd"),
                                             pl.col("bucket").alias("s_bucket"), "closed"),
                             on="loan_pk", how="left")
    on_book = joined.filter(pl.col("s_dpd").is_not_null())
    closing_now = on_book.filter(pl.col("closed") | (pl.col("s_dpd") == 0)).select(
        "id", "loan_pk", "loan_id", "borrower_id",
        pl.when(pl.col("closed")).then(pl.lit("paid_off")).otherwise(pl.lit("cured")).alias("close_reason"),
        pl.lit(as_of).alias("closed_on"))

    moving = on_book.filter(~pl.col("closed") & (pl.col("s_dpd") >= 1))
    # A bucket stage follows the bucket; a named stage (placed, legal) is kept by the workflow that set it.
    is_bucket = pl.col("stage").str.contains(r"^M\d+$")
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
