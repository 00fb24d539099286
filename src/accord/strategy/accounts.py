"""The daily account frame the planner works on, read columnar from the database: every open loan's
snapshot for the day, days in its bucket, days to its next due date, a rule-based risk band (until a
scoring model is registered), contact points, and — when those features' tables exist — cases,
holds, promises and contact history."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from accord.kit.frames import epoch_days_sql, int_in_sql, read_frame, reader
from accord.loans.products import get_product


def _has(session: Session, table: str) -> bool:
    return inspect(session.get_bind()).has_table(table)


def count_open_accounts(session: Session, as_of: date) -> int:
    """Open loans in the day's snapshot (what a plan reports as its accounts)."""
    from sqlalchemy import text

    d = session.get_bind().dialect.name
    return int(session.execute(text(f"SELECT COUNT(*) FROM delinquency_snapshots WHERE as_of = '{as_of.isoformat()}' "
                                    f"AND closed = {'0' if d == 'sqlite' else 'false'}")).scalar() or 0)


def load_accounts(session: Session, as_of: date, pre_due_within: int | None = None) -> pl.DataFrame:
    """The account frame of every open loan; with ``pre_due_within`` only the accounts a ladder can
    reach today: every delinquent one, and current ones with an installment due within that many days
    (a healthy book's other 85 % are read as nothing, not as names, numbers and installments)."""
    d = session.get_bind().dialect.name
    day = as_of.isoformat()
    closed_false = "0" if d == "sqlite" else "false"
    reach = ""
    if pre_due_within is not None:
        soon = (f"SELECT loan_pk FROM installments WHERE settled_on IS NULL AND due_on > '{day}' "
                f"AND due_on <= '{(as_of + timedelta(days=max(pre_due_within, 0))).isoformat()}'")
        reach = f" AND (s.dpd >= 1 OR s.loan_pk IN ({soon}))"
    with reader(session) as conn:
        acc = read_frame(conn, f"""
            SELECT s.loan_pk, l.id AS loan_id, l.borrower_id, s.bucket, s.dpd, s.outstanding_principal AS balance_minor,
                   s.overdue_principal + s.overdue_interest + s.overdue_fees + s.penalty AS overdue_minor,
                   s.penalty AS penalty_minor, l.currency, b.name AS borrower_name,
                   l.product, l.kind AS loan_kind, b.jurisdiction, b.language, b.timezone,
                   b.phone, b.email
            FROM delinquency_snapshots s JOIN loans l ON l.pk = s.loan_pk JOIN borrowers b ON b.id = l.borrower_id
            WHERE s.as_of = '{day}' AND s.closed = {closed_false}{reach}""")
        # The per-installment reads for those loans only, by key (the whole book: no restriction).
        reach_i = f" AND {int_in_sql(d, 'loan_pk', acc['loan_pk'].to_list())}" if reach else ""
        nxt = read_frame(conn, f"""
            SELECT i.loan_pk, {epoch_days_sql(d, 'i.due_on')} AS next_due,
                   i.principal_due + i.interest_due + i.fee_due - i.principal_paid - i.interest_paid - i.fee_paid
                   AS next_due_minor
            FROM installments i JOIN (
                SELECT loan_pk, MIN(installment_no) AS n FROM installments
                WHERE settled_on IS NULL AND due_on > '{day}'{reach_i} GROUP BY loan_pk) f
              ON f.loan_pk = i.loan_pk AND f.n = i.installment_no""")
        late = read_frame(conn, f"""
            SELECT loan_pk, COUNT(*) AS late_count FROM installments
            WHERE settled_on IS NOT NULL AND settled_on > due_on AND settled_on <= '{day}'{reach_i}
            GROUP BY loan_pk""")
        # Only "paid since the account fell past due" uses it: the delinquent loans' payments suffice
        # (index on payments.loan_pk), not a scan of every payment of the book.
        late_ones = acc.filter(pl.col("dpd") >= 1)["loan_pk"].to_list()
        paid = read_frame(conn, f"""
            SELECT p.loan_pk, MAX({epoch_days_sql(d, 'p.paid_on')}) AS last_paid FROM payments p
            WHERE p.paid_on <= '{day}' AND {int_in_sql(d, 'p.loan_pk', late_ones)} GROUP BY p.loan_pk""")
    if acc.height == 0:
        return acc
    from accord.kit.timeutil import epoch_day

    today = epoch_day(as_of)
    acc = (acc.join(nxt, on="loan_pk", how="left").join(late, on="loan_pk", how="left")
           .join(paid, on="loan_pk", how="left")
           .with_columns(pl.col("late_count").fill_null(0)))
    # Days in the bucket = DPD minus the bucket's lower bound (per product's bounds), via a small join.
    bounds = []
    for p in acc["product"].unique().to_list():
        prod = get_product(p)
        bounds += [(p, f"M{i}", prod.bucket_bounds[i - 1] if i > 0 else 0) for i in range(len(prod.bucket_bounds) + 1)]
    acc = acc.join(pl.DataFrame(bounds, schema=["product", "bucket", "_lower"], orient="row"),
                   on=["product", "bucket"], how="left")
    acc = acc.with_columns(
        (pl.col("dpd") - pl.col("_lower").fill_null(0)).alias("days_in_bucket"),
        pl.when(pl.col("dpd") == 0).then(pl.col("next_due") - today).otherwise(None).alias("pre_due_days"),
        # Rule-based risk band until a model is registered: late history or current arrears.
        pl.when((pl.col("late_count") >= 2) | (pl.col("dpd") > 30)).then(pl.lit("high"))
        .when(pl.col("late_count") == 1).then(pl.lit("medium")).otherwise(pl.lit("low")).alias("score_band"),
        pl.lit(None, pl.String).alias("segment_aw"),
        ((pl.col("last_paid").fill_null(-10**6)) > (today - pl.col("dpd"))).alias("paid_since_open"),
        pl.col("email").is_not_null().alias("has_email"),
    ).drop("_lower")
    acc = acc.with_columns(pl.lit(False).alias(c) for c in
                           ("has_promise", "responded", "promise_broken", "contacted_today", "on_hold"))
    acc = acc.with_columns(pl.lit(None, pl.String).alias("case_id"))
    if not _has(session, "cases"):  # else the open case's stage (M1.., pre_due, legal) comes with the case
        acc = acc.with_columns(pl.lit(None, pl.String).alias("case_stage"))
    acc = _model_bands(session, acc, as_of)
    return _optional_features(session, acc, as_of)


# Score bands from a model's probability of the bad outcome (the registered champion's target).
BAND_EDGES = (0.2, 0.5)


def _model_bands(session: Session, acc: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Where the daily run stored model scores for the day, the band comes from them."""
    from accord.config import get_settings

    if not _has(session, "scores"):
        return acc
    target = get_settings().risk_target.replace("'", "''")
    with reader(session) as conn:
        sc = read_frame(conn, f"SELECT loan_pk, p_bad FROM scores WHERE as_of = '{as_of.isoformat()}' AND target = '{target}'")
    if sc.height == 0:
        return acc
    sc = _typed(sc, loan_pk=pl.Int64, p_bad=pl.Float64).with_columns(
        pl.when(pl.col("p_bad") >= BAND_EDGES[1]).then(pl.lit("high"))
        .when(pl.col("p_bad") >= BAND_EDGES[0]).then(pl.lit("medium")).otherwise(pl.lit("low")).alias("_band"))
    return acc.join(sc.select("loan_pk", "_band", "p_bad"), on="loan_pk", how="left").with_columns(
        pl.coalesce("_band", "score_band").alias("score_band")).drop("_band")


def _optional_features(session: Session, acc: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Cases, holds, promises and contact history, where those tables exist."""
    day = as_of.isoformat()
    with reader(session) as conn:
        if _has(session, "cases"):
            cases = _typed(read_frame(conn, "SELECT loan_pk, CAST(id AS VARCHAR(64)) AS case_id_db, owner_kind AS _owner, "
                                            "stage AS case_stage FROM cases WHERE status = 'open'"),
                           loan_pk=pl.Int64, case_id_db=pl.String, _owner=pl.String, case_stage=pl.String)
            # A case handed over to an agency is the agency's to work: the lender's ladder leaves it alone.
            acc = acc.join(cases, on="loan_pk", how="left").with_columns(
                pl.coalesce("case_id_db", "case_id").alias("case_id")).filter(
                pl.col("_owner").fill_null("") != "agency").drop("case_id_db", "_owner")
        if _has(session, "holds"):
            # A hold without a loan covers all the borrower's loans; one with a loan (a legal matter, a
            # dispute of one debt) only that loan: the borrower's other loans are still collected.
            holds = _typed(read_frame(conn, "SELECT DISTINCT borrower_id, loan_id, 1 AS held FROM holds "
                                            "WHERE released_at IS NULL"),
                           borrower_id=pl.String, loan_id=pl.String, held=pl.Int64)
            wide = holds.filter(pl.col("loan_id").is_null()).select("borrower_id", "held").unique()
            one = holds.filter(pl.col("loan_id").is_not_null()).select("loan_id", pl.col("held").alias("held_loan")).unique()
            acc = acc.join(wide, on="borrower_id", how="left").join(one, on="loan_id", how="left").with_columns(
                (pl.col("on_hold") | pl.col("held").is_not_null() | pl.col("held_loan").is_not_null())
                .alias("on_hold")).drop("held", "held_loan")
        if _has(session, "arrangements"):
            # A loan in an active repayment arrangement gets its plan reminders, not the collection ladder.
            arr = _typed(read_frame(conn, "SELECT DISTINCT loan_pk, 1 AS arr FROM arrangements WHERE status = 'active'"),
                         loan_pk=pl.Int64, arr=pl.Int64)
            acc = acc.join(arr, on="loan_pk", how="left").with_columns(
                pl.col("arr").is_not_null().alias("in_arrangement")).drop("arr")
        if _has(session, "promises"):
            pr = read_frame(conn, f"""
                SELECT loan_id, MAX(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
                       MAX(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) AS broken
                FROM promises WHERE due_on >= '{day}' OR status IN ('pending', 'broken') GROUP BY loan_id""")
            pr = _typed(pr, loan_id=pl.String, pending=pl.Int64, broken=pl.Int64)
            acc = acc.join(pr, on="loan_id", how="left").with_columns(
                (pl.col("pending").fill_null(0) == 1).alias("has_promise"),
                (pl.col("broken").fill_null(0) == 1).alias("promise_broken")).drop("pending", "broken")
        if _has(session, "contact_events"):
            ce = read_frame(conn, f"""
                SELECT borrower_id,
                       MAX(CASE WHEN direction = 'inbound' OR outcome = 'conversation' THEN 1 ELSE 0 END) AS responded_any
                FROM contact_events WHERE at >= '{day}'::date - 30 GROUP BY borrower_id""" if
                session.get_bind().dialect.name == "postgresql" else f"""
                SELECT borrower_id,
                       MAX(CASE WHEN direction = 'inbound' OR outcome = 'conversation' THEN 1 ELSE 0 END) AS responded_any
                FROM contact_events WHERE at >= date('{day}', '-30 day') GROUP BY borrower_id""")
            ce = _typed(ce, borrower_id=pl.String, responded_any=pl.Int64)
            acc = acc.join(ce, on="borrower_id", how="left").with_columns(
                (pl.col("responded_any").fill_null(0) == 1).alias("responded")).drop("responded_any")
    return acc


def _typed(df: pl.DataFrame, **types) -> pl.DataFrame:  # noqa: ANN003
    """An empty result comes back without column types; give join keys theirs."""
    return df.with_columns(pl.col(c).cast(t) for c, t in types.items())
