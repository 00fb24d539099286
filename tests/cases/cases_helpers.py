"""Helpers of the case-workflow tests: a small loan book written as CSV files and imported."""

from __future__ import annotations

from pathlib import Path

from fixtures.book import borrower, import_book, loan, payment, write_book

__all__ = ["borrower", "loan", "make_book", "pay"]


def pay(pid: str, loan_id: str, day: str, amount: str, time: str = "10:00:00") -> dict:
    return payment(pid, loan_id, f"{day}T{time}+08:00", amount)


def make_book(db_url: str, folder: Path, loans: list[dict], payments: list[dict] | None = None,
              borrowers: list[dict] | None = None) -> None:
    """Import borrowers (default: B1 in Shanghai), loans and payments written as CSV files."""
    write_book(folder, borrowers=borrowers or [borrower()], loans=loans, payments=payments or None)
    import_book(db_url, folder)
