"""Helpers of the arrangement tests: a small book imported and run to a day, service calls in one unit
of work each, and the money-conservation reading of a loan's installments and postings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accord.kit.db import session_scope
from fixtures.book import borrower, import_book, installments, loan, payment, rows, run, write_book

__all__ = ["borrower", "installments", "loan", "make_book", "pay", "run", "rows", "owed", "verify", "accept",
           "propose", "waived"]


def pay(pid: str, loan_id: str, day: str, amount: str) -> dict:
    return payment(pid, loan_id, f"{day}T10:00:00+08:00", amount)


def make_book(db_url: str, folder: Path, loans: list[dict], payments: list[dict] | None = None,
              borrowers: list[dict] | None = None) -> None:
    write_book(folder, borrowers=borrowers or [borrower()], loans=loans, payments=payments or None)
    import_book(db_url, folder)


def owed(db_url: str, loan_id: str = "L1") -> dict[str, int]:
    """What the loan still owes per component, from its unsettled installments."""
    out = {"principal": 0, "interest": 0, "fee": 0, "penalty": 0}
    for i in installments(db_url, loan_id):
        out["principal"] += i["principal_due"] - i["principal_paid"]
        out["interest"] += i["interest_due"] - i["interest_paid"]
        out["fee"] += i["fee_due"] - i["fee_paid"]
        out["penalty"] += i["penalty_accrued"] - i["penalty_paid"]
    return out


def waived(db_url: str, loan_id: str = "L1") -> dict[str, int]:
    r = rows(db_url, """SELECT COALESCE(SUM(p.principal), 0) AS principal, COALESCE(SUM(p.interest), 0) AS interest,
                               COALESCE(SUM(p.fee), 0) AS fee, COALESCE(SUM(p.penalty), 0) AS penalty
                        FROM postings p JOIN loans l ON l.pk = p.loan_pk WHERE l.id = :lid AND p.kind = 'waiver'""",
             lid=loan_id)[0]
    return {k: int(v) for k, v in r.items()}


def verify(db_url: str) -> list:
    from accord.ledger.verify import verify_ledger

    with session_scope(db_url) as s:
        return verify_ledger(s)[1]


def propose(db_url: str, loan_id: str, kind: str, terms: dict, on: date):  # noqa: ANN201
    from accord.arrangements import service

    with session_scope(db_url) as s:
        return service.propose(s, loan_id, kind, terms, actor="agent:A1", today=on).id


def accept(db_url: str, arrangement_id: int, on: date, request_id: str | None = None):  # noqa: ANN201
    from accord.arrangements import service
    from accord.arrangements.views import arrangement_view

    with session_scope(db_url) as s:
        r = service.accept(s, arrangement_id, actor="borrower", request_id=request_id, today=on)
        return arrangement_view(r.arrangement), r
