"""Property: for random books, what a write-off posts equals what was outstanding before, per component
— principal as the delinquency snapshot has it, interest, fees and penalty as the ledger re-derives them
— and the ledger still verifies afterwards."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.kit.db import session_scope
from accord.ledger.verify import verify_ledger
from accord.loans.schedule import METHODS
from accord.writeoffs import service
from accord.writeoffs.rules import REASONS
from fixtures.book import borrower, import_book, loan, payment, rows, run, snapshot, wipe, write_book

START = date(2026, 1, 15)
COMPONENTS = ("principal", "interest", "fee", "penalty")


@st.composite
def books(draw):
    loans, pays = [], []
    for k in range(draw(st.integers(1, 3))):
        lid = f"L{k}"
        disbursed = START + timedelta(days=draw(st.integers(0, 40)))
        loans.append(loan(lid, principal=f"{draw(st.integers(10000, 2000000)) / 100:.2f}",
                          annual_rate=f"{draw(st.integers(0, 3000)) / 10000:.4f}",
                          term_months=draw(st.integers(1, 8)), repayment_method=draw(st.sampled_from(METHODS)),
                          disbursed_on=disbursed.isoformat(),
                          penalty_rate_daily=draw(st.sampled_from(["0", "0.0005", "0.0003"])),
                          grace_days=draw(st.integers(0, 5))))
        for j in range(draw(st.integers(0, 4))):
            day = disbursed + timedelta(days=draw(st.integers(0, 200)))
            pays.append(payment(f"P{k}-{j}", lid, f"{day}T10:00:00+08:00",
                                f"{draw(st.integers(1, 1500000)) / 100:.2f}"))
    as_of = START + timedelta(days=draw(st.integers(45, 260)))
    return loans, pays, as_of, draw(st.sampled_from(REASONS))


def _owed(url: str, loan_id: str) -> dict:
    """Σ charges / penalty accrued − Σ allocations per component, from the postings alone."""
    out = dict.fromkeys(COMPONENTS, 0)
    for p in rows(url, "SELECT p.* FROM postings p JOIN loans l ON l.pk = p.loan_pk WHERE l.id = :l", l=loan_id):
        sign = {"charge": 1, "penalty": 1, "allocation": -1}.get(p["kind"], 0)
        for c in ("interest", "fee", "penalty"):
            out[c] += sign * p[c]
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_written_off_amounts_equal_outstanding_before(db_url, case):
    loans, pays, as_of, reason = case
    wipe(db_url)
    with tempfile.TemporaryDirectory() as tmp:
        write_book(Path(tmp), borrowers=[borrower()], loans=loans, payments=pays or None)
        import_book(db_url, Path(tmp))
    run(db_url, as_of)
    open_ids = [r["id"] for r in rows(db_url, "SELECT id FROM loans WHERE status = 'open' ORDER BY id")]
    before = {lid: {**_owed(db_url, lid), "principal": snapshot(db_url, as_of, lid)["outstanding_principal"]}
              for lid in open_ids}
    with session_scope(db_url) as s:
        done = {lid: service.write_off(s, lid, reason, on=as_of) for lid in open_ids}
    for lid, r in done.items():
        w = r.write_off
        assert {"principal": w.principal_minor, "interest": w.interest_minor, "fee": w.fee_minor,
                "penalty": w.penalty_minor} == before[lid]
        assert {c: sum(ln[c] for ln in r.lines) for c in COMPONENTS} == before[lid]
        assert all(ln[c] >= 0 for ln in r.lines for c in COMPONENTS)
    with session_scope(db_url) as s:
        assert verify_ledger(s)[1] == []
    assert not rows(db_url, "SELECT 1 FROM loans WHERE status = 'open'")
