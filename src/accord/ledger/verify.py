"""Re-derive balances from postings and compare them with the installment projection the daily run
keeps, so a bug or a manual edit cannot silently make the book disagree with its ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Mismatch:
    what: str
    key: str
    ledger: int
    book: int

    def __str__(self) -> str:
        return f"{self.what} {self.key}: postings say {self.ledger}, book says {self.book}"


CHECKS = {
    # Paid amounts per installment = allocation postings per installment.
    "installment": """
        SELECT i.loan_pk, i.installment_no,
               COALESCE(p.principal, 0), i.principal_paid, COALESCE(p.interest, 0), i.interest_paid,
               COALESCE(p.fee, 0), i.fee_paid, COALESCE(p.penalty, 0), i.penalty_paid,
               COALESCE(a.penalty, 0), i.penalty_accrued
        FROM installments i
        LEFT JOIN (SELECT loan_pk, installment_no, SUM(principal) principal, SUM(interest) interest,
                          SUM(fee) fee, SUM(penalty) penalty
                   FROM postings WHERE kind = 'allocation' GROUP BY loan_pk, installment_no) p
               ON p.loan_pk = i.loan_pk AND p.installment_no = i.installment_no
        LEFT JOIN (SELECT loan_pk, installment_no, SUM(penalty) penalty
                   FROM postings WHERE kind = 'penalty' GROUP BY loan_pk, installment_no) a
               ON a.loan_pk = i.loan_pk AND a.installment_no = i.installment_no""",
    # Held credit per loan = credit postings per loan.
    "credit": """
        SELECT l.pk, COALESCE(c.credit, 0), l.credit_minor FROM loans l
        LEFT JOIN (SELECT loan_pk, SUM(credit) credit FROM postings WHERE kind = 'credit' GROUP BY loan_pk) c
               ON c.loan_pk = l.pk""",
    # Every applied payment is fully accounted for by its allocation and credit postings.
    "payment": """
        SELECT p.id, COALESCE(SUM(x.principal + x.interest + x.fee + x.penalty + x.credit), 0), p.amount_minor
        FROM payments p LEFT JOIN postings x ON x.payment_id = p.id
        WHERE p.applied_on IS NOT NULL GROUP BY p.id, p.amount_minor""",
}


def verify_ledger(session: Session, limit: int = 20) -> tuple[int, list[Mismatch]]:
    """Returns (rows checked, first ``limit`` mismatches)."""
    found: list[Mismatch] = []
    checked = 0
    names = ("principal", "interest", "fee", "penalty paid", "penalty accrued")
    for row in session.execute(text(CHECKS["installment"])):
        checked += 1
        key = f"loan_pk {row[0]} installment {row[1]}"
        for n, (ledger, book) in zip(names, zip(row[2::2], row[3::2], strict=True), strict=True):
            if ledger != book and len(found) < limit:
                found.append(Mismatch(n, key, int(ledger), int(book)))
    for row in session.execute(text(CHECKS["credit"])):
        checked += 1
        if row[1] != row[2] and len(found) < limit:
            found.append(Mismatch("credit", f"loan_pk {row[0]}", int(row[1]), int(row[2])))
    for row in session.execute(text(CHECKS["payment"])):
        checked += 1
        if row[1] != row[2] and len(found) < limit:
            found.append(Mismatch("payment", str(row[0]), int(row[1]), int(row[2])))
    return checked, found
