"""Helpers of the write-off tests: a small book imported, run and synced into cases."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from accord.kit.db import session_scope
from fixtures.book import borrower, import_book, loan, payment, run, write_book

__all__ = ["borrower", "loan", "payment", "run", "setup_book", "sync", "evidence_zip", "pay"]


def pay(pid: str, loan_id: str, day: str, amount: str) -> dict:
    return payment(pid, loan_id, f"{day}T10:00:00+08:00", amount)


def setup_book(url: str, folder: Path, loans: list[dict], payments: list[dict] | None = None,
               run_to: str | None = "2026-06-01") -> None:
    """Import the loans (borrower B1), run the ledger to ``run_to`` and sync the cases that day."""
    write_book(folder, borrowers=[borrower()], loans=loans, payments=payments or None)
    import_book(url, folder)
    if run_to:
        run(url, run_to)
        sync(url, run_to)


def sync(url: str, day: str) -> None:
    from accord.cases.service import sync_cases

    with session_scope(url) as s:
        sync_cases(s, date.fromisoformat(day))


def evidence_zip(path: Path, content: str = "case file") -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("summary.txt", content)
    return path
