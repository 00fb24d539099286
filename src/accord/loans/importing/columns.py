"""The import file kinds and their columns (contracts.md)."""

from __future__ import annotations

KINDS = ("borrowers", "loans", "schedule", "payments")

REQUIRED = {
    "borrowers": ("borrower_id", "name", "timezone"),
    "loans": ("loan_id", "borrower_id", "principal", "annual_rate", "disbursed_on", "term_months",
              "repayment_method"),
    "schedule": ("loan_id", "installment_no", "due_on", "principal_due", "interest_due"),
    "payments": ("payment_id", "loan_id", "paid_at", "amount"),
}

OPTIONAL = {
    "borrowers": ("national_id", "phone", "email", "language", "address", "jurisdiction"),
    "loans": ("currency", "product", "penalty_rate_daily", "grace_days", "lender_id", "guarantor_id", "kind"),
    "schedule": ("fee_due",),
    "payments": ("channel",),
}


def allowed(kind: str) -> set[str]:
    return set(REQUIRED[kind]) | set(OPTIONAL[kind])
