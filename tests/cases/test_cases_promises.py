"""Promises to pay: recording and its bounds, hand-checked judging (kept, partly kept, broken, grace,
tolerance), feedback to the case, reminders, and the monotonicity property of judging."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from accord.cases import service
from accord.cases.judging import judge, required_minor
from accord.cases.models import Case, Promise
from accord.cases.policy import Tolerance
from accord.journal.models import JournalEntry
from accord.kit.db import session_scope
from accord.kit.errors import InputError, ProblemError
from cases_helpers import loan, make_book, pay
from fixtures.book import run

# No fixed or proportional shortfall and no grace unless a test says so: verdicts are easy to check.
STRICT = Tolerance(grace_days=0, shortfall_minor=0, shortfall_share=0)
D = date


def verdicts(promises: list[tuple], payments: list[tuple], as_of: date, tol: Tolerance = STRICT) -> dict:
    """promises: (id, loan_pk, amount_minor, due_on, taken_on); payments: (loan_pk, paid_on, amount_minor)."""
    p = pl.DataFrame(promises, schema=["id", "loan_pk", "amount_minor", "due_on", "taken_on"], orient="row")
    pays = pl.DataFrame(payments, schema=["loan_pk", "paid_on", "amount_minor"], orient="row") if payments else \
        pl.DataFrame(schema={"loan_pk": pl.Int64, "paid_on": pl.Date, "amount_minor": pl.Int64})
    return {r["id"]: (r["status"], r["paid_minor"]) for r in judge(p, pays, as_of, tol).iter_rows(named=True)}


PROMISE = (1, 10, 50000, D(2026, 3, 10), D(2026, 3, 1))  # 500.00 promised on 03-01 for 03-10, loan 10


def test_paid_in_full_by_the_date_is_kept_even_before_the_date():
    assert verdicts([PROMISE], [(10, D(2026, 3, 5), 50000)], D(2026, 3, 6)) == {1: ("kept", 50000)}


def test_nothing_paid_is_pending_until_the_date_has_passed_then_broken():
    assert verdicts([PROMISE], [], D(2026, 3, 10)) == {1: ("pending", 0)}
    assert verdicts([PROMISE], [], D(2026, 3, 11)) == {1: ("broken", 0)}


def test_part_paid_is_partly_kept_and_payments_add_up():
    pays = [(10, D(2026, 3, 2), 10000), (10, D(2026, 3, 9), 20000)]
    assert verdicts([PROMISE], pays, D(2026, 3, 11)) == {1: ("partly_kept", 30000)}
    assert verdicts([PROMISE], pays + [(10, D(2026, 3, 10), 20000)], D(2026, 3, 11)) == {1: ("kept", 50000)}


def test_only_payments_of_the_promise_loan_within_its_window_count():
    pays = [(10, D(2026, 2, 28), 50000),  # before the promise was taken
            (11, D(2026, 3, 5), 50000),  # another loan
            (10, D(2026, 3, 11), 50000)]  # after the date, no grace
    assert verdicts([PROMISE], pays, D(2026, 3, 12)) == {1: ("broken", 0)}


def test_grace_days_count_late_payments_and_delay_the_verdict():
    tol = Tolerance(grace_days=2, shortfall_minor=0, shortfall_share=0)
    late = [(10, D(2026, 3, 12), 50000)]
    assert verdicts([PROMISE], [], D(2026, 3, 12), tol) == {1: ("pending", 0)}
    assert verdicts([PROMISE], late, D(2026, 3, 13), tol) == {1: ("kept", 50000)}
    assert verdicts([PROMISE], [(10, D(2026, 3, 13), 50000)], D(2026, 3, 13), tol) == {1: ("broken", 0)}


def test_shortfall_tolerance_fixed_amount_or_share_whichever_is_larger():
    tol = Tolerance(grace_days=0, shortfall_minor=100, shortfall_share=Decimal("0.01"))
    assert required_minor(50000, tol) == 49500  # 1 % of 500.00 = 5.00 > 1.00
    assert required_minor(5000, tol) == 4900  # 1 % of 50.00 = 0.50 < 1.00
    p = [PROMISE]
    assert verdicts(p, [(10, D(2026, 3, 9), 49500)], D(2026, 3, 11), tol) == {1: ("kept", 49500)}
    assert verdicts(p, [(10, D(2026, 3, 9), 49499)], D(2026, 3, 11), tol) == {1: ("partly_kept", 49499)}


def test_partly_kept_needs_more_than_the_minimum_share():
    tol = Tolerance(grace_days=0, shortfall_minor=0, shortfall_share=0, partly_kept_min_share=Decimal("0.2"))
    assert verdicts([PROMISE], [(10, D(2026, 3, 9), 10000)], D(2026, 3, 11), tol) == {1: ("broken", 10000)}
    assert verdicts([PROMISE], [(10, D(2026, 3, 9), 10001)], D(2026, 3, 11), tol) == {1: ("partly_kept", 10001)}


RANK = {"broken": 0, "partly_kept": 1, "pending": 1, "kept": 2}
days = st.integers(min_value=-5, max_value=20)


@settings(max_examples=200, deadline=None)
@given(amount=st.integers(1, 10**7), due=st.integers(0, 15), pays=st.lists(st.tuples(days, st.integers(1, 10**7)),
                                                                            max_size=6),
       extra=st.tuples(days, st.integers(1, 10**7)), as_of=st.integers(0, 25),
       grace=st.integers(0, 3), fixed=st.integers(0, 500), share=st.integers(0, 50))
def test_adding_a_payment_never_makes_a_verdict_worse(amount, due, pays, extra, as_of, grace, fixed, share):
    base = D(2026, 3, 1)
    tol = Tolerance(grace_days=grace, shortfall_minor=fixed, shortfall_share=Decimal(share) / 1000)
    promise = [(1, 10, amount, base + timedelta(days=due), base)]
    rows = [(10, base + timedelta(days=d), a) for d, a in pays]
    day = base + timedelta(days=as_of)
    before = verdicts(promise, rows, day, tol)[1]
    after = verdicts(promise, rows + [(10, base + timedelta(days=extra[0]), extra[1])], day, tol)[1]
    assert after[1] >= before[1]
    assert RANK[after[0]] >= RANK[before[0]]
    if before[0] == "kept":
        assert after[0] == "kept"


# -- through the database -------------------------------------------------------------------------------

TAKEN = datetime(2026, 2, 16, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai on 02-16


@pytest.fixture
def book(db_url, tmp_path):
    """L1 pays 300.00 on 02-18 and 1,000.00 on 02-20; L2 pays nothing; L3 pays 1,100.16 on 02-21."""
    make_book(db_url, tmp_path / "book", loans=[loan("L1"), loan("L2"), loan("L3")],
              payments=[pay("P1", "L1", "2026-02-18", "300.00"), pay("P2", "L1", "2026-02-20", "1000.00"),
                        pay("P3", "L3", "2026-02-21", "1100.16")])
    run(db_url, "2026-02-16")
    with session_scope(db_url) as s:
        service.sync_cases(s, date(2026, 2, 16))
    return db_url


def record(url: str, loan_id: str, amount: str, due: date, at: datetime = TAKEN):
    with session_scope(url) as s:
        return service.record_promise(s, loan_id=loan_id, amount=amount, due_on=due, channel="call",
                                      taken_by="agent:A1", taken_at=at)


def test_record_returns_the_confirmation_and_journals_it(book):
    r = record(book, "L1", "1100.16", date(2026, 2, 20))
    assert (r.promise.amount_minor, r.promise.taken_on, r.promise.status) == (110016, date(2026, 2, 16), "pending")
    assert r.confirmation.template == "promise_confirmation" and r.confirmation.channel == "sms"
    assert r.confirmation.context == {"promise_amount": "1100.16", "promise_date": "2026-02-20", "loan_ref": "L1",
                                      "currency": "CNY"}
    with session_scope(book) as s:
        e = s.scalars(select(JournalEntry).where(JournalEntry.kind == "promise.recorded")).one()
        assert (e.loan_id, e.borrower_id, e.actor, e.subject) == ("L1", "B1", "agent:A1", f"promise:{r.promise.id}")
        assert r.promise.case_id == s.scalars(select(Case.id).where(Case.loan_id == "L1")).one()


@pytest.mark.parametrize("amount,due,message", [
    ("0", date(2026, 2, 20), "greater than zero"), ("-5.00", date(2026, 2, 20), "greater than zero"),
    ("abc", date(2026, 2, 20), "not a number"), ("100.00", date(2026, 2, 15), "in the past"),
    ("100.00", date(2026, 3, 19), "beyond the 30-day horizon")])
def test_record_refuses_bad_amounts_and_dates(book, amount, due, message):
    with pytest.raises(InputError, match=message):
        record(book, "L1", amount, due)


def test_record_on_the_last_day_of_the_horizon_and_unknown_loan(book):
    assert record(book, "L1", "100.00", date(2026, 3, 18)).promise.due_on == date(2026, 3, 18)
    with pytest.raises(ProblemError, match="no loan"):
        record(book, "NOPE", "100.00", date(2026, 2, 20))


def test_a_new_promise_supersedes_the_pending_one(book):
    first = record(book, "L1", "500.00", date(2026, 2, 20)).promise
    second = record(book, "L1", "800.00", date(2026, 2, 25))
    assert second.superseded == [first.id]
    with session_scope(book) as s:
        assert s.get(Promise, first.id).status == "cancelled"


def test_judging_with_real_payments_feeds_broken_promises_back_to_the_case(book):
    kept = record(book, "L1", "1300.00", date(2026, 2, 20)).promise  # 300 + 1000 by 02-20
    broken = record(book, "L2", "500.00", date(2026, 2, 19)).promise
    late = record(book, "L3", "1100.16", date(2026, 2, 19)).promise  # paid 02-21
    with session_scope(book) as s:
        j = service.judge_promises(s, date(2026, 2, 22), Tolerance(grace_days=1, shortfall_minor=0, shortfall_share=0))
    assert (j.counts["kept"], j.counts["partly_kept"], j.counts["broken"]) == (1, 0, 2)
    with session_scope(book) as s:
        got = {p.id: (p.status, p.paid_minor, p.judged_on) for p in s.scalars(select(Promise))}
        assert got[kept.id] == ("kept", 130000, date(2026, 2, 22))
        assert got[broken.id] == ("broken", 0, date(2026, 2, 22))
        assert got[late.id] == ("broken", 0, date(2026, 2, 22))  # 02-21 is past 02-19 + 1 grace day
        l2 = s.scalars(select(Case).where(Case.loan_id == "L2")).one()
        assert (l2.next_step, l2.next_step_on, l2.broken_promises) == ("broken_promise_followup", date(2026, 2, 22), 1)
        assert s.scalars(select(Case).where(Case.loan_id == "L1")).one().next_step is None
        kinds = [e.kind for e in s.scalars(select(JournalEntry).order_by(JournalEntry.seq))]
        assert kinds.count("promise.broken") == 2 and kinds.count("promise.kept") == 1 and kinds[-1] == "promises.judged"
    with session_scope(book) as s:  # judged promises are not judged again
        assert service.judge_promises(s, date(2026, 2, 23)).counts["pending_before"] == 0


def test_default_policy_grace_keeps_a_payment_two_days_late(book):
    late = record(book, "L3", "1100.16", date(2026, 2, 19)).promise
    with session_scope(book) as s:
        service.judge_promises(s, date(2026, 2, 22))  # policy: grace 2 days, paid 02-21
        assert s.get(Promise, late.id).status == "kept"


def test_partly_kept_with_real_payments(book):
    p = record(book, "L1", "1000.00", date(2026, 2, 19)).promise  # only the 300.00 of 02-18 is in time
    with session_scope(book) as s:
        service.judge_promises(s, date(2026, 2, 20), Tolerance(grace_days=0, shortfall_minor=0, shortfall_share=0))
        assert (s.get(Promise, p.id).status, s.get(Promise, p.id).paid_minor) == ("partly_kept", 30000)


def test_reminders_the_day_before_skip_borrowers_under_a_hold(book):
    record(book, "L1", "500.00", date(2026, 2, 20))
    record(book, "L2", "500.00", date(2026, 2, 21))
    with session_scope(book) as s:
        items = service.due_reminders(s, date(2026, 2, 19))
        assert [(i.template, i.loan_id, i.context["promise_date"]) for i in items] == \
            [("promise_reminder", "L1", "2026-02-20")]
        service.open_hold(s, "B1", "cease", form="written", actor="agent:A1")
        assert service.due_reminders(s, date(2026, 2, 19)) == []

