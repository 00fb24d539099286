"""Helpers of the legal-track tests: a borrower with two delinquent loans, run and synced into cases."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accord.kit.db import session_scope
from fixtures.book import borrower, import_book, loan, run, write_book

DAY = date(2026, 3, 17)  # both loans 30 days past due (M1)


def two_loan_book(url: str, folder: Path, jurisdiction: str = "CN", timezone: str = "Asia/Shanghai") -> dict[str, int]:
    """Import B1 with L1 and L2 (no payments), run to DAY, sync cases; returns case id per loan."""
    from accord.cases.service import list_cases, sync_cases

    write_book(folder, borrowers=[borrower(phone="+8613800138000", jurisdiction=jurisdiction, timezone=timezone)],
               loans=[loan("L1"), loan("L2")])
    import_book(url, folder)
    run(url, DAY)
    with session_scope(url) as s:
        sync_cases(s, DAY)
        return {c.loan_id: c.id for c in list_cases(s)}
