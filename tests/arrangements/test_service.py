"""Arrangements end to end on the database: acceptance restructures the ledger once (journalled,
conserved, verified), bounds and approvals, the daily run after a restructure, and the monitoring
step (break → strategy, settlement completion → loan and case closed as settled)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accord.arrangements import service
from accord.arrangements.models import Arrangement
from accord.arrangements.monitoring import monitor
from accord.kit.db import session_scope
from accord.kit.errors import ProblemError
from arrangements_helpers import (accept, installments, loan, make_book, owed, pay, propose, rows, run, verify,
                                  waived)
from fixtures.book import journal_kinds, snapshot

D = date


@pytest.fixture
def book(db_url, tmp_path):
    """12,000.00 at 18 % over 12 months from 2026-01-15, penalty 0.05 % a day; nothing paid; run to 04-20
    (three installments overdue, dpd 64)."""
    make_book(db_url, tmp_path / "book", [loan("L1", penalty_rate_daily="0.0005")])
    run(db_url, "2026-04-20")
    return db_url


def _sync(url, day):  # noqa: ANN001
    from accord.cases.service import sync_cases

    with session_scope(url) as s:
        sync_cases(s, day)


def _monitor(url, day):  # noqa: ANN001
    with session_scope(url) as s:
        return monitor(s, day)


def test_accepting_a_plan_restructures_once_and_the_ledger_balances(book):
    before = owed(book)
    aid = propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 20))
    view, r = accept(book, aid, D(2026, 4, 20))
    assert view["status"] == "active" and r.confirmation.template == "arrangement_confirmation"
    assert r.confirmation.context["plan"]["installments"] == 3
    assert owed(book) == before  # nothing waived: what was owed is still owed, now on the plan rows
    assert verify(book) == []
    new = [i for i in installments(book) if i["installment_no"] in view["plan_installments"]]
    assert [i["due_on"] for i in new] == [D(2026, 4, 27), D(2026, 5, 27), D(2026, 6, 27)]
    assert all(i["settled_on"] == D(2026, 4, 20) for i in installments(book)[:3])
    assert "arrangement.offered" in journal_kinds(book) and "arrangement.accepted" in journal_kinds(book)
    with pytest.raises(ProblemError, match="already active"):
        accept(book, aid, D(2026, 4, 20))
    assert owed(book) == before and verify(book) == []


def test_a_request_id_makes_a_repeated_accept_a_no_op(book):
    aid = propose(book, "L1", "extension", {"months": 2}, D(2026, 4, 20))
    first, _ = accept(book, aid, D(2026, 4, 20), request_id="req-1")
    n = len(rows(book, "SELECT id FROM postings"))
    again, r = accept(book, aid, D(2026, 4, 20), request_id="req-1")
    assert r.repeated and r.confirmation is None and again["status"] == "active"
    assert len(rows(book, "SELECT id FROM postings")) == n


def test_outside_the_automatic_bounds_a_manager_must_approve_and_the_bound_is_named(book):
    aid = propose(book, "L1", "settlement", {"discount": "0.40", "instalments": 2}, D(2026, 4, 20))
    with pytest.raises(ProblemError, match=r"max_discount 0\.4000 exceeds the automatic limit 0\.20"):
        accept(book, aid, D(2026, 4, 20))
    assert verify(book) == [] and owed(book)["principal"] == 1200000
    with session_scope(book) as s:
        service.approve(s, aid, by="manager:M1")
    view, _ = accept(book, aid, D(2026, 4, 20))
    assert view["status"] == "active" and view["approvals"][0]["by"] == "manager:M1"
    assert verify(book) == []


def test_beyond_the_hard_limits_nothing_is_offered(book):
    with pytest.raises(ProblemError, match=r"max_discount 0\.8000 exceeds the hard limit 0\.50"):
        propose(book, "L1", "settlement", {"discount": "0.80"}, D(2026, 4, 20))
    with pytest.raises(ProblemError, match=r"max_term_months 36 exceeds the hard limit 24"):
        propose(book, "L1", "plan", {"instalments": 36, "scope": "outstanding"}, D(2026, 4, 20))


def test_after_a_restructure_the_daily_run_sees_a_current_account_and_pays_the_new_rows(book, tmp_path):
    aid = propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 20))
    view, _ = accept(book, aid, D(2026, 4, 20))
    run(book, "2026-04-21")
    assert snapshot(book, "2026-04-21")["dpd"] == 0
    first = view["restructure"]["new"][0]
    from fixtures.book import import_book, write_book

    write_book(tmp_path / "pay", payments=[pay("P1", "L1", "2026-04-27", first["amount"])])
    import_book(book, tmp_path / "pay")
    run(book, "2026-04-28")
    plan_row = next(i for i in installments(book) if i["installment_no"] == first["no"])
    assert plan_row["settled_on"] == D(2026, 4, 27)
    assert snapshot(book, "2026-04-28")["dpd"] == 0
    assert verify(book) == []


def test_a_missed_plan_instalment_breaks_the_plan_and_returns_the_case_to_the_strategy(book):
    _sync(book, D(2026, 4, 20))
    aid = propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 20))
    accept(book, aid, D(2026, 4, 20))
    run(book, "2026-04-21")
    _sync(book, D(2026, 4, 21))
    (case,) = rows(book, "SELECT * FROM cases")
    assert case["status"] == "open" and case["stage"] == "arrangement"  # kept open while the plan runs
    run(book, "2026-05-02")  # first plan instalment due 04-27, grace 5 days: missed on 05-03
    counts, _ = _monitor(book, D(2026, 5, 2))
    assert counts["broken"] == 0
    run(book, "2026-05-03")
    counts, _ = _monitor(book, D(2026, 5, 3))
    assert counts["broken"] == 1
    with session_scope(book) as s:
        a = s.get(Arrangement, aid)
        assert a.status == "broken" and "missed instalment" in a.close_reason
    (case,) = rows(book, "SELECT * FROM cases")
    assert case["next_step"] == "arrangement_broken" and case["stage"].startswith("M")
    assert "arrangement.broken" in journal_kinds(book)
    assert verify(book) == []


def test_a_completed_settlement_waives_the_rest_and_closes_loan_and_case(book, tmp_path):
    _sync(book, D(2026, 4, 20))
    aid = propose(book, "L1", "settlement", {"discount": "0.10", "instalments": 1}, D(2026, 4, 20))
    view, _ = accept(book, aid, D(2026, 4, 20))
    before = owed(book)
    amount = view["restructure"]["new"][0]["amount"]
    from fixtures.book import import_book, write_book

    write_book(tmp_path / "pay", payments=[pay("P1", "L1", "2026-04-25", amount)])
    import_book(book, tmp_path / "pay")
    run(book, "2026-04-26")  # paid before the date: held as credit until the instalment falls due
    assert _monitor(book, D(2026, 4, 26))[0]["completed"] == 0
    run(book, "2026-04-27")
    counts, _ = _monitor(book, D(2026, 4, 27))
    assert counts["completed"] == 1
    loan_row = rows(book, "SELECT status, close_reason FROM loans")[0]
    assert loan_row == {"status": "closed", "close_reason": "settled"}
    (case,) = rows(book, "SELECT status, close_reason FROM cases")
    assert case == {"status": "closed", "close_reason": "settled"}
    w = waived(book)
    paid = int(amount.replace(".", ""))
    assert sum(w.values()) + paid == sum(before.values())
    assert owed(book) == {"principal": 0, "interest": 0, "fee": 0, "penalty": 0}
    assert "arrangement.completed" in journal_kinds(book)
    assert verify(book) == []
    run(book, "2026-04-28")  # the closed loan stays closed
    assert rows(book, "SELECT status FROM loans")[0]["status"] == "closed"


def test_offers_expire_and_cancelled_offers_cannot_be_accepted(book):
    a1 = propose(book, "L1", "plan", {"instalments": 2}, D(2026, 4, 20))
    a2 = propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 20))
    with session_scope(book) as s:
        service.cancel(s, a2, actor="agent:A1", reason="borrower chose another")
    with pytest.raises(ProblemError, match="already cancelled"):
        accept(book, a2, D(2026, 4, 20))
    counts, _ = _monitor(book, D(2026, 5, 5))
    assert counts["expired"] == 1
    with session_scope(book) as s:
        assert s.get(Arrangement, a1).status == "expired"


def test_only_one_active_arrangement_per_loan_and_case_file_section(book):
    a1 = propose(book, "L1", "plan", {"instalments": 2}, D(2026, 4, 20))
    a2 = propose(book, "L1", "extension", {"months": 1}, D(2026, 4, 20))
    accept(book, a1, D(2026, 4, 20))
    with pytest.raises(ProblemError, match="already has an active arrangement"):
        accept(book, a2, D(2026, 4, 20))
    with session_scope(book) as s:
        section = service.case_file_section(s, "L1")
    assert [x["arrangement_id"] for x in section] == [a1, a2]
    assert [h["status"] for h in section[0]["history"]] == ["offered", "accepted", "active"]
    assert section[0]["restructure"]["before"]["principal"] == "2802.09"


def test_active_arrangements_keep_the_loan_off_the_collection_ladder(book):
    from accord.strategy.accounts import load_accounts

    aid = propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 20))
    accept(book, aid, D(2026, 4, 20))
    run(book, "2026-04-21")
    with session_scope(book) as s:
        acc = load_accounts(s, D(2026, 4, 21))
    assert acc["in_arrangement"].to_list() == [True]


def test_an_arrangement_cannot_start_before_the_last_run(book):
    with pytest.raises(ProblemError, match="before the last daily run"):
        propose(book, "L1", "plan", {"instalments": 3}, D(2026, 4, 19))
    with session_scope(book) as s:
        assert s.scalars(select(Arrangement)).all() == []
