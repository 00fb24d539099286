"""Repayment schedules (loans/schedule.py) with hand-checked numbers, and their invariants."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.loans.schedule import METHODS, Installment, add_months, generate, months_between, total_annual_cost

D = Decimal


def rows(sched):
    return [(i.no, i.due_on.isoformat(), str(i.principal), str(i.interest)) for i in sched]


def test_annuity_12000_at_18_percent_over_12_months():
    # Payment = 12000 × 0.015 / (1 − 1.015⁻¹²) = 1100.1599… → 1100.16; interest = balance × 1.5 %,
    # principal = payment − interest; the last installment takes the remaining balance (1083.93).
    expected = [
        (1, "2026-02-15", "920.16", "180.00"),
        (2, "2026-03-15", "933.96", "166.20"),
        (3, "2026-04-15", "947.97", "152.19"),
        (4, "2026-05-15", "962.19", "137.97"),
        (5, "2026-06-15", "976.62", "123.54"),
        (6, "2026-07-15", "991.27", "108.89"),
        (7, "2026-08-15", "1006.14", "94.02"),
        (8, "2026-09-15", "1021.23", "78.93"),
        (9, "2026-10-15", "1036.55", "63.61"),
        (10, "2026-11-15", "1052.10", "48.06"),
        (11, "2026-12-15", "1067.88", "32.28"),
        (12, "2027-01-15", "1083.93", "16.26"),
    ]
    sched = generate(D("12000.00"), D("0.18"), 12, date(2026, 1, 15), "annuity")
    assert rows(sched) == expected
    assert [i.total for i in sched[:-1]] == [D("1100.16")] * 11
    assert sched[-1].total == D("1100.19")  # the last installment absorbs the rounding
    assert sum(i.principal for i in sched) == D("12000.00")


def test_annuity_at_zero_rate_splits_principal_and_last_absorbs_the_cent():
    sched = generate(D("1000.00"), D("0"), 3, date(2026, 1, 10), "annuity")
    assert rows(sched) == [(1, "2026-02-10", "333.33", "0.00"), (2, "2026-03-10", "333.33", "0.00"),
                           (3, "2026-04-10", "333.34", "0.00")]


def test_equal_principal_with_month_end_clamping():
    # 10000 / 3 = 3333.33 (last 3333.34); interest 1 % of the balance: 100.00, 66.6667 → 66.67,
    # 33.3334 → 33.33. Disbursed Jan 31: due Feb 28, Mar 31, Apr 30 (each counted from disbursement).
    sched = generate(D("10000.00"), D("0.12"), 3, date(2026, 1, 31), "equal_principal")
    assert rows(sched) == [(1, "2026-02-28", "3333.33", "100.00"), (2, "2026-03-31", "3333.33", "66.67"),
                           (3, "2026-04-30", "3333.34", "33.33")]


def test_interest_only_in_a_leap_year():
    sched = generate(D("10000.00"), D("0.12"), 3, date(2028, 1, 31), "interest_only")
    assert rows(sched) == [(1, "2028-02-29", "0.00", "100.00"), (2, "2028-03-31", "0.00", "100.00"),
                           (3, "2028-04-30", "10000.00", "100.00")]


def test_bullet_pays_principal_plus_simple_interest_at_maturity():
    # 10000 × 0.18 × 6 / 12 = 900.00, one installment six months after disbursement (clamped).
    sched = generate(D("10000.00"), D("0.18"), 6, date(2026, 3, 31), "bullet")
    assert rows(sched) == [(1, "2026-09-30", "10000.00", "900.00")]
    # 333.33 × 0.10 × 7 / 12 = 19.44425 → 19.44
    assert generate(D("333.33"), D("0.10"), 7, date(2026, 1, 1), "bullet")[0].interest == D("19.44")


def test_rounding_is_half_up_not_bankers():
    # 100.50 × 0.12 / 12 = 1.005: half-up gives 1.01 (banker's rounding would give 1.00).
    assert generate(D("100.50"), D("0.12"), 1, date(2026, 1, 1), "bullet")[0].interest == D("1.01")
    assert generate(D("100.50"), D("0.12"), 1, date(2026, 1, 1), "equal_principal")[0].interest == D("1.01")


@pytest.mark.parametrize("start,months,expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 1, 31), 2, date(2026, 3, 31)),
    (date(2026, 8, 31), 1, date(2026, 9, 30)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
    (date(2026, 11, 30), 15, date(2028, 2, 29)),
])
def test_add_months_clamps_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize("kwargs,message", [
    ({"principal": D("0")}, "principal"),
    ({"principal": D("-5")}, "principal"),
    ({"annual_rate": D("-0.01")}, "annual_rate"),
    ({"term_months": 0}, "term_months"),
    ({"method": "balloon"}, "unknown repayment method"),
])
def test_generate_refuses_bad_terms(kwargs, message):
    args = {"principal": D("1000"), "annual_rate": D("0.1"), "term_months": 3, "disbursed_on": date(2026, 1, 1),
            "method": "annuity", **kwargs}
    with pytest.raises(ValueError, match=message):
        generate(**args)


def test_months_between_counts_schedule_months():
    assert months_between(date(2026, 1, 31), date(2026, 2, 28)) == 1
    assert months_between(date(2026, 1, 15), date(2027, 1, 15)) == 12
    assert months_between(date(2026, 1, 15), date(2026, 1, 30)) == pytest.approx(15 / 31)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("rate", ["0.18", "0.24", "0.36", "0.40"])
def test_total_annual_cost_of_a_generated_schedule_is_its_rate(method, rate):
    # At the legal line exactly, even with a February in the schedule and a bullet loan's simple interest.
    for start in (date(2026, 1, 15), date(2026, 1, 31)):
        sched = generate(D("12000.00"), D(rate), 12, start, method)
        assert total_annual_cost(D("12000.00"), start, sched) == D(rate)


def test_total_annual_cost_counts_fees_and_penalty():
    start = date(2026, 1, 15)
    # No interest but a 360.00 fee after one month on 12000: 3 % a month = 36 % a year.
    fee_only = [Installment(1, date(2026, 2, 15), D("12000.00"), D("0.00"), D("360.00"))]
    assert total_annual_cost(D("12000.00"), start, fee_only) == D("0.36")
    # Penalty interest counts toward the cap: 0.1 % a day is 36.5 % a year.
    sched = generate(D("12000.00"), D("0.18"), 12, start, "annuity")
    assert total_annual_cost(D("12000.00"), start, sched, D("0.001")) == D("0.365")
    # Front-loaded interest costs more than the same interest spread evenly.
    front = [Installment(1, date(2026, 2, 15), D("0"), D("2160.00")),
             *[Installment(k, add_months(start, k), D("0"), D("0")) for k in range(2, 12)],
             Installment(12, add_months(start, 12), D("12000.00"), D("0"))]
    assert total_annual_cost(D("12000.00"), start, front) > D("0.18")


amounts = st.integers(min_value=100, max_value=10**9).map(lambda c: D(c) / 100)
rates = st.integers(min_value=0, max_value=3600).map(lambda bp: D(bp) / 10000)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@settings(max_examples=300, deadline=None)
@given(principal=amounts, rate=rates, term=st.integers(1, 60), start=dates, method=st.sampled_from(METHODS))
def test_schedule_invariants(principal, rate, term, start, method):
    sched = generate(principal, rate, term, start, method)
    r = rate / 12
    assert sum(i.principal for i in sched) == principal
    assert all(i.principal >= 0 and i.interest >= 0 for i in sched)
    assert all(i.principal == i.principal.quantize(D("0.01")) for i in sched)
    if method == "bullet":
        assert len(sched) == 1 and sched[0].due_on == add_months(start, term)
        assert sched[0].interest == (principal * rate * term / 12).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        return
    assert [i.no for i in sched] == list(range(1, term + 1))
    balance = principal
    for i in sched:
        due = add_months(start, i.no)
        assert i.due_on == due
        assert due.day == min(start.day, calendar.monthrange(due.year, due.month)[1])
        assert i.interest == (balance * r).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        balance -= i.principal
    assert balance == 0
    # Equal amounts until the last installment, unless cents are too coarse for the loan (1.00 over 27
    # months: 0.04 a month pays it off early, and later installments carry no principal).
    sensible = principal / term >= D("0.30")
    if method == "annuity" and term > 1 and sensible:
        assert len({i.total for i in sched[:-1]}) == 1
    if method == "equal_principal" and term > 1 and sensible:
        assert len({i.principal for i in sched[:-1]}) == 1
    if method == "interest_only":
        assert all(i.principal == 0 for i in sched[:-1])
