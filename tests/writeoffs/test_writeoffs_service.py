"""Write-off (核销): postings per installment for what is outstanding per component, loan written off,
case closed, journalled, ledger verify passing; refusals for closed, written-off or not-yet-run loans."""

from __future__ import annotations

from datetime import date

import pytest

from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from accord.ledger.verify import verify_ledger
from accord.writeoffs import service
from fixtures.book import journal_kinds, loan_row, postings, rows, snapshot
from writeoffs_helpers import loan, pay, setup_book

DAY = date(2026, 6, 1)


@pytest.fixture
def book(db_url, tmp_path):
    setup_book(db_url, tmp_path / "book", [loan("L1", penalty_rate_daily="0.0005"), loan("L2"),
                                           loan("L3", term_months="1", principal="100.00")],
               [pay("P1", "L1", "2026-02-15", "1100.13"), pay("P3", "L3", "2026-02-15", "101.50")])
    return db_url


def _ledger_outstanding(url, loan_id):
    """Owed per component re-derived from the ledger alone: charges and penalty accrued minus allocations."""
    out = {"principal": 0, "interest": 0, "fee": 0, "penalty": 0}
    for p in postings(url, loan_id):
        sign = {"disbursement": 1, "charge": 1, "penalty": 1, "allocation": -1}.get(p["kind"], 0)
        for c in out:
            out[c] += sign * p[c]
    return out


def test_write_off_posts_the_outstanding_per_component_and_closes_the_case(book):
    before = _ledger_outstanding(book, "L1")
    snap = snapshot(book, DAY, "L1")
    assert before["principal"] == snap["outstanding_principal"] and before["penalty"] > 0
    with session_scope(book) as s:
        r = service.write_off(s, "L1", "uncollectable", on=DAY, by="user:fin1", note="no contact for 90 days")
        w = r.write_off
        assert (w.principal_minor, w.interest_minor, w.fee_minor, w.penalty_minor) == (
            before["principal"], before["interest"], before["fee"], before["penalty"])
    wo = postings(book, "L1", "write_off")
    assert len(wo) == len(r.lines) >= 4 and all(p["effective_on"] == DAY for p in wo)
    assert sum(p["interest"] for p in wo) == before["interest"]
    assert _ledger_outstanding(book, "L1")["principal"] == before["principal"]  # write-off is not a payment
    lr = loan_row(book, "L1")
    assert (lr["status"], lr["close_reason"], lr["closed_on"]) == ("written_off", "written_off", DAY)
    assert not rows(book, "SELECT * FROM installments i JOIN loans l ON l.pk = i.loan_pk "
                          "WHERE l.id = 'L1' AND i.settled_on IS NULL")
    (case,) = rows(book, "SELECT status, close_reason FROM cases WHERE loan_id = 'L1'")
    assert case == {"status": "closed", "close_reason": "written_off"}
    kinds = journal_kinds(book)
    assert kinds[-2:] == ["case.closed", "loan.written_off"]
    (ev,) = rows(book, "SELECT actor, payload FROM journal WHERE kind = 'loan.written_off'")
    assert ev["actor"] == "user:fin1" and '"reason":"uncollectable"' in ev["payload"]
    with session_scope(book) as s:
        assert verify_ledger(s)[1] == []
    # The other loans of the borrower are untouched.
    assert loan_row(book, "L2")["status"] == "open"


def test_interest_of_installments_not_yet_due_is_not_written_off(book):
    with session_scope(book) as s:
        r = service.write_off(s, "L2", "deceased", on=date(2026, 6, 3))
    future = [ln for ln in r.lines if ln["installment_no"] > 5]  # due from 2026-06-15
    assert future and all(ln["interest"] == 0 and ln["principal"] > 0 for ln in future)


@pytest.mark.parametrize("loan_id, reason, on, error, words", [
    ("L1", "bored", DAY, InputError, "not one of uncollectable"),
    ("L9", "fraud", DAY, ProblemError, "no loan"),
    ("L3", "fraud", DAY, ProblemError, "is closed (paid_off"),
    ("L1", "fraud", date(2026, 5, 30), ProblemError, "before the last daily run (2026-06-01)"),
])
def test_refusals(book, loan_id, reason, on, error, words):
    with session_scope(book) as s, pytest.raises(error, match=None) as exc:
        service.write_off(s, loan_id, reason, on=on)
    assert words in str(exc.value)


def test_written_off_twice_is_refused(book):
    with session_scope(book) as s:
        service.write_off(s, "L1", "fraud", on=DAY)
    with session_scope(book) as s, pytest.raises(ProblemError, match="already written off on 2026-06-01 \\(fraud\\)"):
        service.write_off(s, "L1", "fraud", on=DAY)


def test_unapplied_payments_must_be_run_first(db_url, tmp_path):
    setup_book(db_url, tmp_path / "b", [loan("L1")], [pay("P9", "L1", "2026-06-02", "50.00")])
    with session_scope(db_url) as s, pytest.raises(ProblemError, match="not yet applied \\(first: P9\\)"):
        service.write_off(s, "L1", "uncollectable", on=date(2026, 6, 2))
    with session_scope(db_url) as s:  # written off the day before, the payment is a later recovery
        service.write_off(s, "L1", "uncollectable", on=DAY)


def test_pending_promises_are_cancelled(book):
    from accord.cases.service import record_promise

    with session_scope(book) as s:
        p = record_promise(s, loan_id="L1", amount="100.00", due_on=date(2026, 12, 1), channel="call",
                           taken_by="agent:A1").promise
        pid = p.id
    with session_scope(book) as s:
        r = service.write_off(s, "L1", "uncollectable", on=DAY)
        assert r.cancelled_promises == [pid]
    assert rows(book, "SELECT status FROM promises")[0]["status"] == "cancelled"


def test_case_file_section_lists_write_off_recoveries_and_sale(book, tmp_path):
    from writeoffs_helpers import evidence_zip

    with session_scope(book) as s:
        assert service.case_file_section(s, "L1") == []
        service.write_off(s, "L1", "uncollectable", on=DAY)
        service.flag_sale(s, "L1", buyer="Acme AMC", price_minor=50000, evidence=evidence_zip(tmp_path / "c.zip"),
                          on=DAY, evidence_store=tmp_path / "ev")
    with session_scope(book) as s:
        section = service.case_file_section(s, "L1")
    assert [x["kind"] for x in section] == ["write_off", "sale"]
    assert section[0]["reason"] == "uncollectable" and section[1]["price"] == "500.00"
    assert len(section[1]["evidence"]["sha256"]) == 64
