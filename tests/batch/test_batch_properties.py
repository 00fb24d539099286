"""Invariants of the daily run over random books (hypothesis), catch-up equivalence and crash safety."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.loans.schedule import METHODS
from fixtures.book import (borrower, import_book, installments, loan, loan_row, payment, rows, run, snapshot,
                           snapshots, table_counts, wipe, write_book)

START = date(2026, 1, 15)


@st.composite
def books(draw):
    n = draw(st.integers(1, 3))
    loans, pays = [], []
    for k in range(n):
        lid = f"L{k}"
        disbursed = START + timedelta(days=draw(st.integers(0, 40)))
        loans.append(loan(lid, principal=f"{draw(st.integers(10000, 2000000)) / 100:.2f}",
                          annual_rate=f"{draw(st.integers(0, 3000)) / 10000:.4f}",
                          term_months=draw(st.integers(1, 6)), repayment_method=draw(st.sampled_from(METHODS)),
                          disbursed_on=disbursed.isoformat(),
                          penalty_rate_daily=draw(st.sampled_from(["0", "0.0005", "0.0003"])),
                          grace_days=draw(st.integers(0, 5))))
        for j in range(draw(st.integers(0, 5))):
            day = disbursed + timedelta(days=draw(st.integers(0, 220)))
            cents = draw(st.one_of(st.integers(1, 300000), st.integers(300000, 2500000)))
            pays.append(payment(f"P{k}-{j}", lid, f"{day}T{draw(st.integers(0, 23)):02d}:00:00+08:00",
                                f"{cents / 100:.2f}"))
    # The run: one catch-up or a few steps forward.
    steps = sorted(set(draw(st.lists(st.integers(0, 260), min_size=1, max_size=3))))
    return loans, pays, [START + timedelta(days=s) for s in steps]


def load(url: str, loans, pays) -> None:
    wipe(url)
    with tempfile.TemporaryDirectory() as tmp:
        write_book(Path(tmp), borrowers=[borrower()], loans=loans, payments=pays or None)
        import_book(url, Path(tmp))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(books())
def test_money_is_conserved_and_the_ledger_matches_its_projection(db_url, case):
    loans, pays, days = case
    load(db_url, loans, pays)
    for d in days:
        run(db_url, d)
    as_of = days[-1]
    applied = rows(db_url, "SELECT id, amount_minor, applied_on, paid_on FROM payments")
    # Every payment dated up to the as-of date is applied, once; none later.
    assert all((p["applied_on"] is not None) == (p["paid_on"] <= as_of) for p in applied)
    paid = sum(p["amount_minor"] for p in applied if p["applied_on"] is not None)
    post = rows(db_url, "SELECT * FROM postings")
    alloc = [p for p in post if p["kind"] == "allocation"]
    credit_total = sum(r["credit_minor"] for r in rows(db_url, "SELECT credit_minor FROM loans"))
    # Σ payments = Σ allocations (all components) + credit held.
    assert paid == sum(p["penalty"] + p["fee"] + p["interest"] + p["principal"] for p in alloc) + credit_total
    # Credit postings: overpayment held (+) and credit spent (−); their sum is the credit held, so the
    # balance is derived from postings too.
    assert sum(p["credit"] for p in post if p["kind"] == "credit") == credit_total
    assert credit_total >= 0
    # Allocations carry payment ids only of payments that exist and were applied.
    applied_ids = {p["id"] for p in applied if p["applied_on"] is not None}
    assert {p["payment_id"] for p in alloc if p["payment_id"]} <= applied_ids

    by_inst: dict = defaultdict(lambda: defaultdict(int))
    for p in post:
        if p["installment_no"] is not None:
            for c in ("principal", "interest", "fee", "penalty"):
                by_inst[(p["loan_pk"], p["installment_no"], p["kind"])][c] += p[c]
    for lo in loans:
        lr = loan_row(db_url, lo["loan_id"])
        insts = installments(db_url, lo["loan_id"])
        for i in insts:
            key = (i["loan_pk"], i["installment_no"])
            a, pen = by_inst[(*key, "allocation")], by_inst[(*key, "penalty")]
            # The installment's paid columns are the sums of its allocation postings.
            assert (i["principal_paid"], i["interest_paid"], i["fee_paid"], i["penalty_paid"]) == (
                a["principal"], a["interest"], a["fee"], a["penalty"]), key
            assert i["penalty_accrued"] == pen["penalty"]
            # No balance is negative.
            assert 0 <= i["principal_paid"] <= i["principal_due"]
            assert 0 <= i["interest_paid"] <= i["interest_due"]
            assert 0 <= i["fee_paid"] <= i["fee_due"]
            assert 0 <= i["penalty_paid"] <= i["penalty_accrued"]
            settled = i["principal_paid"] == i["principal_due"] and i["interest_paid"] == i["interest_due"] \
                and i["fee_paid"] == i["fee_due"] and i["penalty_paid"] == i["penalty_accrued"]
            assert (i["settled_on"] is not None) == (settled and i["settled_on"] is not None)
            # Held credit means nothing due is left unpaid: overpayment meets the next installment.
            if lr["credit_minor"] > 0 and i["due_on"] <= as_of:
                assert i["settled_on"] is not None, key
        assert sum(i["principal_paid"] for i in insts) <= lr["principal_minor"]
        if lr["status"] == "closed":
            assert all(i["settled_on"] is not None for i in insts)
            assert sum(i["principal_paid"] for i in insts) == lr["principal_minor"]
        elif date.fromisoformat(lo["disbursed_on"]) > as_of:
            # Not lent yet on the as-of date: no delinquency snapshot for it.
            assert snapshot(db_url, as_of, lo["loan_id"]) is None
        else:
            s = snapshot(db_url, as_of, lo["loan_id"])
            assert s is not None
            outstanding = lr["principal_minor"] - sum(i["principal_paid"] for i in insts)
            assert s["outstanding_principal"] == outstanding
            overdue = [i for i in insts if i["due_on"] < as_of and i["settled_on"] is None]
            assert s["overdue_principal"] == sum(i["principal_due"] - i["principal_paid"] for i in overdue)
            assert s["penalty"] == sum(i["penalty_accrued"] - i["penalty_paid"] for i in overdue)
            assert s["dpd"] == ((as_of - min(i["due_on"] for i in overdue)).days if overdue else 0)
            assert min(s["overdue_principal"], s["overdue_interest"], s["penalty"], s["outstanding_principal"]) >= 0


def state(url: str, last: date, loan_ids) -> dict:
    post = rows(url, "SELECT kind, installment_no, principal, interest, fee, penalty, credit FROM postings")
    sums: dict = defaultdict(int)
    for p in post:
        for c in ("principal", "interest", "fee", "penalty", "credit"):
            sums[(p["kind"], c)] += p[c]
    return {
        "installments": {lid: installments(url, lid) for lid in loan_ids},
        "loans": {lid: {k: v for k, v in loan_row(url, lid).items() if k != "batch_id"} for lid in loan_ids},
        "snapshot": {lid: snapshot(url, last, lid) for lid in loan_ids},
        "postings_by_kind": dict(sums),
        "applied": rows(url, "SELECT id, applied_on FROM payments ORDER BY id"),
    }


def test_catching_up_gives_the_same_state_as_running_each_day(db_url):
    loans = [loan("L1", penalty_rate_daily="0.0005", grace_days=2),
             loan("L2", principal="5000.00", repayment_method="equal_principal", term_months="3"),
             loan("L3", principal="800.00", repayment_method="bullet", term_months="1", penalty_rate_daily="0.0009",
                  annual_rate="0.12")]
    pays = [payment("P1", "L1", "2026-02-18T10:00:00+08:00", "600.00"),
            payment("P2", "L2", "2026-02-15T10:00:00+08:00", "2000.00"),
            payment("P3", "L2", "2026-03-01T10:00:00+08:00", "1000.00"),
            payment("P4", "L3", "2026-02-20T10:00:00+08:00", "811.00")]
    ids = ["L1", "L2", "L3"]
    last = date(2026, 3, 25)
    load(db_url, loans, pays)
    run(db_url, "2026-02-10")
    for k in range(1, (last - date(2026, 2, 10)).days + 1):
        run(db_url, date(2026, 2, 10) + timedelta(days=k))
    daily = state(db_url, last, ids)
    daily_snaps = {lid: [(s["as_of"], s["bucket"], s["transition"], s["dpd"]) for s in snapshots(db_url, lid)]
                   for lid in ids}

    load(db_url, loans, pays)
    run(db_url, "2026-02-10")
    run(db_url, last)
    assert state(db_url, last, ids) == daily
    assert {lid: [(s["as_of"], s["bucket"], s["transition"], s["dpd"]) for s in snapshots(db_url, lid)]
            for lid in ids} == daily_snaps
    # L3: 800.00 + 8.00 interest + 4 days × 0.72 penalty = 810.88 paid with 811.00 on 2026-02-20.
    assert (daily["loans"]["L3"]["status"], daily["loans"]["L3"]["credit_minor"]) == ("closed", 12)


WRITE_STEPS = [
    ("accord.batch.repository", "write_postings"),
    ("accord.batch.repository", "write_snapshots"),
    ("accord.batch.repository", "update_installments"),
    ("accord.batch.repository", "update_loans"),
    ("accord.batch.repository", "mark_payments"),
    ("accord.batch.service", "append_many"),
]


@pytest.mark.parametrize("module,name", WRITE_STEPS, ids=[n for _, n in WRITE_STEPS])
def test_a_crash_in_the_middle_of_a_run_leaves_the_previous_state_intact(db_url, tmp_path, monkeypatch,
                                                                          module, name):
    import importlib

    pays = [payment("P1", "L1", "2026-02-15T10:00:00+08:00", "1100.16"),
            payment("P2", "L1", "2026-03-16T10:00:00+08:00", "1500.00")]
    write_book(tmp_path / "book", borrowers=[borrower()], loans=[loan(penalty_rate_daily="0.0005")], payments=pays)
    import_book(db_url, tmp_path / "book")
    run(db_url, "2026-02-20")
    before = table_counts(db_url), installments(db_url), loan_row(db_url), rows(db_url, "SELECT * FROM payments")

    mod = importlib.import_module(module)
    real = getattr(mod, name)

    def crash(*args, **kwargs):
        real(*args, **kwargs)  # the step's writes happen, then the process "dies"
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(mod, name, crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run(db_url, "2026-03-20")
    monkeypatch.undo()
    assert (table_counts(db_url), installments(db_url), loan_row(db_url),
            rows(db_url, "SELECT * FROM payments")) == before

    report = run(db_url, "2026-03-20")
    assert not report.already_done and report.processed_from == date(2026, 2, 21)
    assert run(db_url, "2026-03-20").already_done
    assert [r["payment_id"] for r in rows(db_url, "SELECT payment_id FROM postings WHERE kind = 'allocation' "
                                                  "ORDER BY id")] == ["P1", "P2"]
    assert [r["as_of"] for r in rows(db_url, "SELECT as_of FROM runs ORDER BY as_of")] == [
        date(2026, 2, 20), date(2026, 3, 20)]
    assert len(snapshots(db_url)) == 1 + 28
