"""Re-derive balances from postings and compare them with the installment projection the daily run
keeps, so a bug or a manual edit cannot silently make the book disagree with its ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import inspect, text
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
    # Paid amounts per installment = allocation postings per installment; penalty accrued = penalty
    # postings, moved by arrangements (restructure), less what was waived.
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
        LEFT JOIN (SELECT loan_pk, installment_no,
                          SUM(CASE WHEN kind = 'waiver' THEN -penalty ELSE penalty END) penalty
                   FROM postings WHERE kind IN ('penalty', 'restructure', 'waiver')
                   GROUP BY loan_pk, installment_no) a
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

# Write-offs (核销): a written-off loan owes nothing — its principal lent is accounted for by payments,
# waivers and the write-off — and its write-off postings add up to the write-off record, per component.
WRITE_OFF_CHECKS = {
    "written-off principal": """
        SELECT l.pk, COALESCE(SUM(CASE WHEN x.kind = 'disbursement' THEN x.principal
                                       WHEN x.kind IN ('allocation', 'waiver', 'write_off') THEN -x.principal
                                       ELSE 0 END), 0), 0
        FROM loans l LEFT JOIN postings x ON x.loan_pk = l.pk
        WHERE l.status = 'written_off' GROUP BY l.pk""",
    "written-off installments open": """
        SELECT l.pk, COUNT(i.installment_no), 0
        FROM loans l LEFT JOIN installments i ON i.loan_pk = l.pk AND i.settled_on IS NULL
        WHERE l.status = 'written_off' GROUP BY l.pk""",
    # Per component: postings (principal, interest, fee, penalty) then the record's; no record → -1.
    "write-off": """
        SELECT l.pk, COALESCE(p.principal, 0), COALESCE(w.principal_minor, -1), COALESCE(p.interest, 0),
               COALESCE(w.interest_minor, -1), COALESCE(p.fee, 0), COALESCE(w.fee_minor, -1),
               COALESCE(p.penalty, 0), COALESCE(w.penalty_minor, -1)
        FROM loans l
        LEFT JOIN write_offs w ON w.loan_pk = l.pk
        LEFT JOIN (SELECT loan_pk, SUM(principal) principal, SUM(interest) interest, SUM(fee) fee,
                          SUM(penalty) penalty FROM postings WHERE kind = 'write_off' GROUP BY loan_pk) p
               ON p.loan_pk = l.pk
        WHERE l.status = 'written_off' OR w.id IS NOT NULL OR p.loan_pk IS NOT NULL""",
}

# Arrangements (还款安排): money moved between installments is conserved, waived amounts are explicit.
# Rows are (key, ledger, book, ledger, book, ...).
_RESTRUCTURED = "SELECT DISTINCT loan_pk FROM postings WHERE kind IN ('restructure', 'waiver')"
_LAST_RUN = "(SELECT MAX(as_of) FROM runs WHERE status = 'completed')"
ARRANGEMENT_CHECKS = {
    # What left the closed-out installments arrived on the new ones, per component.
    "restructure balance": """
        SELECT loan_pk, SUM(principal), 0, SUM(interest), 0, SUM(fee), 0, SUM(penalty), 0
        FROM postings WHERE kind = 'restructure' GROUP BY loan_pk""",
    # The waived column is the sum of the installment's waiver postings.
    "waived": """
        SELECT i.loan_pk, i.installment_no, COALESCE(w.amount, 0), i.waived
        FROM installments i
        LEFT JOIN (SELECT loan_pk, installment_no, SUM(principal + interest + fee + penalty) amount
                   FROM postings WHERE kind = 'waiver' GROUP BY loan_pk, installment_no) w
               ON w.loan_pk = i.loan_pk AND w.installment_no = i.installment_no
        WHERE i.waived <> 0 OR w.amount IS NOT NULL""",
    # Scheduled principal after every restructure + principal waived = principal lent.
    "scheduled principal": f"""
        SELECT d.loan_pk, 0, d.principal, COALESCE(s.principal, 0) + COALESCE(w.principal, 0)
        FROM (SELECT loan_pk, SUM(principal) principal FROM postings WHERE kind = 'disbursement'
              AND loan_pk IN ({_RESTRUCTURED}) GROUP BY loan_pk) d
        LEFT JOIN (SELECT loan_pk, SUM(principal_due) principal FROM installments GROUP BY loan_pk) s
               ON s.loan_pk = d.loan_pk
        LEFT JOIN (SELECT loan_pk, SUM(principal) principal FROM postings WHERE kind = 'waiver'
                   GROUP BY loan_pk) w ON w.loan_pk = d.loan_pk""",
    # Interest and fees charged (net of the reversals a restructure makes when it moves them) = what
    # the installment is due plus what was waived, once it fell due on a day the run processed.
    "charged": f"""
        SELECT i.loan_pk, i.installment_no,
               COALESCE(c.interest, 0),
               CASE WHEN i.due_on <= {_LAST_RUN} THEN i.interest_due + COALESCE(w.interest, 0) ELSE 0 END,
               COALESCE(c.fee, 0),
               CASE WHEN i.due_on <= {_LAST_RUN} THEN i.fee_due + COALESCE(w.fee, 0) ELSE 0 END
        FROM installments i
        LEFT JOIN (SELECT loan_pk, installment_no, SUM(interest) interest, SUM(fee) fee FROM postings
                   WHERE kind = 'charge' GROUP BY loan_pk, installment_no) c
               ON c.loan_pk = i.loan_pk AND c.installment_no = i.installment_no
        LEFT JOIN (SELECT loan_pk, installment_no, SUM(interest) interest, SUM(fee) fee FROM postings
                   WHERE kind = 'waiver' GROUP BY loan_pk, installment_no) w
               ON w.loan_pk = i.loan_pk AND w.installment_no = i.installment_no
        WHERE i.loan_pk IN ({_RESTRUCTURED})""",
}
_ARRANGEMENT_NAMES = {"restructure balance": ("principal", "interest", "fee", "penalty"),
                      "charged": ("interest", "fee")}


def _arrangement_checks(session: Session, found: list, limit: int) -> int:
    checked = 0
    for what, sql in ARRANGEMENT_CHECKS.items():
        names = _ARRANGEMENT_NAMES.get(what, ("",))
        for row in session.execute(text(sql)):
            checked += 1
            # Keys are (loan_pk) or (loan_pk, installment_no); the pairs (ledger, book) follow.
            two = what in ("waived", "charged", "scheduled principal")
            key = f"loan_pk {row[0]}" + (f" installment {row[1]}" if two and what != "scheduled principal" else "")
            vals = row[2:] if two else row[1:]
            for n, (ledger, book) in zip(names, zip(vals[0::2], vals[1::2], strict=True), strict=True):
                if int(ledger or 0) != int(book or 0) and len(found) < limit:
                    found.append(Mismatch(f"{what} {n}".strip(), key, int(ledger or 0), int(book or 0)))
    return checked


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
    checked += _arrangement_checks(session, found, limit)
    if "write_offs" in inspect(session.get_bind()).get_table_names():
        for what, sql in WRITE_OFF_CHECKS.items():
            for row in session.execute(text(sql)):
                checked += 1
                parts = zip(row[1::2], row[2::2], strict=True)
                names = ("principal", "interest", "fee", "penalty") if what == "write-off" else ("",)
                for n, (ledger, book) in zip(names, parts, strict=True):
                    if ledger != book and len(found) < limit:
                        found.append(Mismatch(f"{what} {n}".strip(), f"loan_pk {row[0]}", int(ledger), int(book)))
    return checked, found
