"""Quiet loans carried forward (batch.service.run_day) give exactly what running the engine over every
open loan gives: random books run day by day both ways, and the out-of-band changes the carry must see
(a payment imported after a run, a posting written between runs)."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.kit.db import session_scope
from fixtures.book import borrower, import_book, loan, payment, rows, wipe, write_book

START = date(2026, 1, 10)
TABLES = {
    "snapshots": "SELECT s.* FROM delinquency_snapshots s ORDER BY as_of, loan_pk",
    "postings": "SELECT loan_pk, installment_no, kind, effective_on, principal, interest, fee, penalty, credit, "
                "payment_id, run_as_of FROM postings ORDER BY loan_pk, effective_on, kind, installment_no, "
                "payment_id, principal, interest, fee, penalty, credit",
    "installments": "SELECT * FROM installments ORDER BY loan_pk, installment_no",
    "loans": "SELECT pk, status, credit_minor, closed_on, close_reason FROM loans ORDER BY pk",
    "payments": "SELECT id, applied_on FROM payments ORDER BY id",
}


def _state(url: str) -> dict:
    return {name: rows(url, sql) for name, sql in TABLES.items()}


def _run(url: str, day: date, carry: bool):
    from accord.batch.service import run_day

    with session_scope(url) as s:
        return run_day(s, day, carry_forward=carry)


def _load(url: str, loans, pays) -> None:
    wipe(url)
    with tempfile.TemporaryDirectory() as tmp:
        write_book(Path(tmp), borrowers=[borrower()], loans=loans, payments=pays or None)
        import_book(url, Path(tmp))


def _import_payments(url: str, pays) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_book(Path(tmp), payments=pays)
        import_book(url, Path(tmp))


@st.composite
def books(draw):
    n = draw(st.integers(2, 5))
    loans, pays = [], []
    for k in range(n):
        lid = f"L{k}"
        disbursed = START + timedelta(days=draw(st.integers(0, 30)))
        loans.append(loan(lid, principal=f"{draw(st.integers(50000, 900000)) / 100:.2f}",
                          term_months=draw(st.integers(1, 4)), disbursed_on=disbursed.isoformat(),
                          penalty_rate_daily=draw(st.sampled_from(["0", "0.0005"])),
                          grace_days=draw(st.integers(0, 3))))
        for j in range(draw(st.integers(0, 3))):
            day = disbursed + timedelta(days=draw(st.integers(20, 130)))
            pays.append(payment(f"P{k}-{j}", lid, f"{day}T{draw(st.integers(0, 23)):02d}:00:00+08:00",
                                f"{draw(st.integers(100, 400000)) / 100:.2f}"))
    first = START + timedelta(days=draw(st.integers(30, 60)))
    steps = draw(st.lists(st.integers(1, 9), min_size=3, max_size=12))  # gaps: one day or a catch-up
    days = [first]
    for g in steps:
        days.append(days[-1] + timedelta(days=g))
    late = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, len(days) - 1),
                                   st.integers(100, 300000)), max_size=3))
    return loans, pays, days, late


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_carrying_quiet_loans_forward_equals_running_every_loan(db_url, case):
    loans, pays, days, late = case
    states = []
    for carry in (True, False):
        _load(db_url, loans, pays)
        for i, d in enumerate(days):
            # Payments imported after a run, dated before the next day: applied by the next run.
            for k, (loan_no, at, cents) in enumerate(late):
                if at == i:
                    _import_payments(db_url, [payment(f"late-{k}", f"L{loan_no}", f"{d - timedelta(days=1)}T09:00:00+08:00",
                                                      f"{cents / 100:.2f}")])
            _run(db_url, d, carry)
        states.append(_state(db_url))
    assert states[0] == states[1]


def test_quiet_loans_are_carried_and_a_posting_between_runs_makes_a_loan_busy(db_url):
    """A loan whose schedule changes between runs (here: principal moved off an installment with a
    posting, as a restructure does) is run by the engine, not carried with yesterday's balance."""
    loans = [loan(f"L{k}", disbursed_on="2026-01-20", term_months=6) for k in range(3)]
    _load(db_url, loans, [])
    r = _run(db_url, date(2026, 2, 1), True)
    r = _run(db_url, date(2026, 2, 2), True)
    assert r.counts["snapshots_carried"] == 3  # nothing due yet: all three quiet
    with session_scope(db_url) as s:
        from sqlalchemy import text

        pk = s.execute(text("SELECT pk FROM loans WHERE id = 'L1'")).scalar()
        s.execute(text("UPDATE installments SET principal_due = principal_due - 10000 "
                       "WHERE loan_pk = :pk AND installment_no = 6"), {"pk": pk})
        s.execute(text("INSERT INTO postings (loan_pk, installment_no, kind, effective_on, principal, interest, fee, "
                       "penalty, credit) VALUES (:pk, 6, 'waiver', '2026-02-02', 10000, 0, 0, 0, 0)"), {"pk": pk})
    r = _run(db_url, date(2026, 2, 3), True)
    assert r.counts["snapshots_carried"] == 2
    snap = {x["loan_pk"]: x for x in rows(db_url, "SELECT * FROM delinquency_snapshots WHERE as_of = '2026-02-03'")}
    before = {x["loan_pk"]: x for x in rows(db_url, "SELECT * FROM delinquency_snapshots WHERE as_of = '2026-02-02'")}
    assert snap[pk]["outstanding_principal"] == before[pk]["outstanding_principal"] - 10000
    assert all(x["transition"] == "stay" and x["dpd"] == 0 for x in snap.values())
    r = _run(db_url, date(2026, 2, 4), True)
    assert r.counts["snapshots_carried"] == 3  # the posting is behind the last run's high-water mark now
