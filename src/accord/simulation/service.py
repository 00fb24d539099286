"""Write a synthetic portfolio into the database in bulk, journalled like an import."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.journal.chain import digest_lines
from accord.journal.service import append
from accord.kit.errors import ProblemError
from accord.kit.frames import bulk_insert
from accord.kit.timeutil import utcnow
from accord.loans import repository as loan_repo
from accord.loans.models import ImportBatch, Loan
from accord.simulation.portfolio import Portfolio, generate_portfolio


def _hash_rows(df: pl.DataFrame, cols: list[str]) -> pl.Series:
    joined = df.select(pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator="|"))
    return pl.Series([hashlib.sha256(s.encode()).hexdigest() for s in joined.to_series().to_list()])


def load_demo(session: Session, n_loans: int, seed: int, as_of: date, term_months: int | None = None,
              progress=None, late_factor: float = 1.0) -> dict:  # noqa: ANN001
    """Generate and insert; returns counts. Refuses to load the same seed twice."""
    step = progress or (lambda label: None)
    step("generating portfolio")
    pf: Portfolio = generate_portfolio(n_loans, seed, as_of, term_months=term_months, late_factor=late_factor)
    first_id = pf.loans["id"][0]
    if session.scalar(select(Loan.pk).where(Loan.id == first_id)):
        raise ProblemError(f"demo data with seed {seed} is already loaded (loan {first_id} exists); use another --seed")
    batch = ImportBatch(at=utcnow(), source="demo-data", files={"seed": seed, "as_of": as_of.isoformat()},
                        counts={"borrowers": pf.borrowers.height, "loans": pf.loans.height,
                                "payments": pf.payments.height})
    session.add(batch)
    session.flush()
    base_pk = loan_repo.next_loan_pk(session)

    step("writing borrowers")
    b = pf.borrowers.with_columns(
        pl.lit(None, pl.String).alias("national_id"), pl.lit(None, pl.String).alias("address"),
        pl.lit("reachable").alias("status"), pl.lit("full").alias("civil_capacity"), pl.lit("[]").alias("flags"),
        pl.lit(batch.id).alias("batch_id"))
    b = b.with_columns(_hash_rows(b, ["id", "name", "phone", "email", "timezone", "language", "jurisdiction"])
                       .alias("content_hash"))
    bulk_insert(session, "borrowers", b)
    bulk_insert(session, "sim_borrower_traits", pf.traits)
    # Most borrowers agreed to texts in the loan app (the consent the US and UK rules ask for).
    first_loan = pf.loans.group_by("borrower_id").agg(pl.col("disbursed_on").min())
    cp = pf.borrowers.join(first_loan, left_on="id", right_on="borrower_id", how="left").select(
        pl.col("id").alias("borrower_id"), pl.lit("mobile").alias("kind"), pl.col("phone").alias("value"),
        pl.lit(True).alias("verified"),
        pl.when(pl.int_range(pl.len()).hash(seed) % 10 != 0)
        .then((pl.col("disbursed_on").cast(pl.Int64) * 86_400_000_000).cast(pl.Datetime("us", "UTC")))
        .otherwise(None).alias("consent_at"))
    em = pf.borrowers.filter(pl.col("email").is_not_null()).select(
        pl.col("id").alias("borrower_id"), pl.lit("email").alias("kind"), pl.col("email").alias("value"),
        pl.lit(True).alias("verified"), pl.lit(None, pl.Datetime("us", "UTC")).alias("consent_at"))
    bulk_insert(session, "contact_points", pl.concat([cp, em]))

    step("writing loans")
    loans = pf.loans.with_columns(
        (pl.int_range(pl.len()) + base_pk).alias("pk"), pl.col("disbursed_on").cast(pl.Int32).cast(pl.Date),
        pl.lit("generated").alias("schedule_source"), pl.lit("open").alias("status"),
        pl.lit(0).alias("credit_minor"), pl.lit(batch.id).alias("batch_id"),
        pl.when(pl.col("kind") == "iou").then(pl.concat_str(pl.lit("P-"), pl.col("borrower_id")))
        .otherwise(pl.lit("LENDER-PLATFORM")).alias("lender_id"))
    loans = loans.with_columns(_hash_rows(loans, ["id", "borrower_id", "product", "principal_minor", "annual_rate",
                                                  "disbursed_on", "term_months", "repayment_method"]).alias("content_hash"))
    lenders = loans.select(pl.col("lender_id").unique()).to_series().to_list()
    loan_repo.ensure_parties(session, set(lenders), set())
    bulk_insert(session, "loans", loans)
    step("writing installments")
    inst = pf.installments.select(
        (pl.col("loan") + base_pk).alias("loan_pk"), "installment_no", pl.col("due_on").cast(pl.Int32).cast(pl.Date),
        "principal_due", "interest_due", *[pl.lit(0).alias(c) for c in (
            "fee_due", "principal_paid", "interest_paid", "fee_paid", "penalty_accrued", "penalty_paid", "waived")])
    bulk_insert(session, "installments", inst)
    bulk_insert(session, "postings", loans.select(
        pl.col("pk").alias("loan_pk"), pl.lit("disbursement").alias("kind"), pl.col("disbursed_on").alias("effective_on"),
        pl.col("principal_minor").alias("principal"), *[pl.lit(0).alias(c) for c in ("interest", "fee", "penalty", "credit")]))

    step("writing payments")
    pays = pf.payments.with_columns(
        pl.format("{}P{}", pl.lit(f"D{seed}-"), pl.int_range(pl.len()).cast(pl.String).str.zfill(9)).alias("id"),
        (pl.col("loan") + base_pk).alias("loan_pk"), pl.col("paid_on").cast(pl.Int32).cast(pl.Date),
        pl.col("amount").alias("amount_minor"), pl.lit("app").alias("channel"), pl.lit(batch.id).alias("batch_id"))
    pays = pays.with_columns(_hash_rows(pays, ["id", "loan_id", "paid_at", "amount_minor"]).alias("content_hash"))
    bulk_insert(session, "payments", pays.select("id", "loan_pk", "paid_at", "paid_on", "amount_minor", "channel",
                                                 "content_hash", "batch_id"))
    step("journalling")
    append(session, "import.batch", actor="demo-data", subject=f"import_batch:{batch.id}", payload={
        "batch_id": batch.id, "source": "demo-data", "seed": seed, "counts": batch.counts,
        "digests": {name: digest_lines(f"{i}:{h}" for i, h in df.select("id", "content_hash").iter_rows())
                    for name, df in (("borrowers", b), ("loans", loans), ("payments", pays))}})
    return dict(batch.counts)
