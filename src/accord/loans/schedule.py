"""Repayment schedules (还款计划), pure.

- ``annuity`` 等额本息: equal payments; each month's interest on the remaining balance.
- ``equal_principal`` 等额本金: equal principal; interest on the remaining balance.
- ``interest_only`` 先息后本: interest monthly, all principal with the last installment.
- ``bullet`` 到期还本付息: one installment at maturity, principal × annual_rate × term / 12 interest.

Rules from contracts.md: monthly rate = annual_rate / 12; installment k falls due k months after
disbursement (same day of month, clamped to the month's last day); each installment is rounded to
cents (half-up) and the last installment absorbs the rounding.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

METHODS = ("annuity", "equal_principal", "interest_only", "bullet")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Installment:
    no: int
    due_on: date
    principal: Decimal
    interest: Decimal
    fee: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fee


def add_months(d: date, months: int) -> date:
    """Same day of month ``months`` later, clamped to the month's last day (Jan 31 + 1 → Feb 28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def generate(principal: Decimal, annual_rate: Decimal, term_months: int, disbursed_on: date,
             method: str) -> list[Installment]:
    if principal <= 0:
        raise ValueError("principal must be positive")
    if annual_rate < 0:
        raise ValueError("annual_rate must not be negative")
    if term_months < 1:
        raise ValueError("term_months must be at least 1")
    if method not in METHODS:
        raise ValueError(f"unknown repayment method {method!r} (expected one of {', '.join(METHODS)})")
    principal = _cents(principal)
    r = annual_rate / 12
    n = term_months
    if method == "bullet":
        interest = _cents(principal * annual_rate * n / 12)
        return [Installment(1, add_months(disbursed_on, n), principal, interest)]

    out: list[Installment] = []
    balance = principal
    if method == "annuity":
        payment = _cents(principal / n if r == 0 else principal * r / (1 - (1 + r) ** -n))
    for k in range(1, n + 1):
        interest = _cents(balance * r)
        last = k == n
        if method == "annuity":
            p = balance if last else min(balance, payment - interest)
        elif method == "equal_principal":
            p = balance if last else min(balance, _cents(principal / n))
        else:  # interest_only
            p = balance if last else Decimal("0.00")
        out.append(Installment(k, add_months(disbursed_on, k), p, interest))
        balance -= p
    return out


def months_between(start: date, end: date) -> float:
    """Months from ``start`` to ``end`` on the schedule's own calendar: whole months as ``add_months``
    counts them (Jan 31 → Feb 28 is exactly one), plus leftover days as a fraction of the next month."""
    m = (end.year - start.year) * 12 + end.month - start.month
    while add_months(start, m) > end:
        m -= 1
    while add_months(start, m + 1) <= end:
        m += 1
    base, nxt = add_months(start, m), add_months(start, m + 1)
    return m + (end - base).days / (nxt - base).days


def total_annual_cost(principal: Decimal, disbursed_on: date, installments: list[Installment],
                      penalty_rate_daily: Decimal = Decimal(0)) -> Decimal:
    """The loan's total annual cost, rounded to 0.01 %: the larger of

    - the schedule's IRR (fees included) as a nominal annual rate (monthly IRR × 12, as Chinese 综合年化
      figures are stated), with time counted in schedule months so that a short February does not make
      a loan at exactly the legal rate look dearer than it is; and
    - the simple annual rate of all charges on the principal actually outstanding, so that a bullet
      loan's 40 % simple interest counts as 40 % (monthly compounding would state it as 34 %);

    or the annualised penalty rate if that is higher, since penalty interest counts toward the judicial
    cap too."""
    insts = sorted(installments, key=lambda i: i.due_on)
    flows = [(months_between(disbursed_on, inst.due_on), float(inst.total)) for inst in insts]
    p = float(principal)

    def npv(i: float) -> float:
        return sum(cf / (1 + i) ** t for t, cf in flows) - p

    lo, hi = -0.99, 10.0
    if npv(0.0) <= 0:
        irr = 0.0
    else:
        for _ in range(200):  # bisection: npv is decreasing in i
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if npv(mid) > 0 else (lo, mid)
        irr = (lo + hi) / 2
    charges = sum(float(i.interest + i.fee) for i in insts)
    balance, last_t, principal_years = p, 0.0, 0.0
    for (t, _), inst in zip(flows, insts):
        principal_years += balance * (t - last_t) / 12
        balance, last_t = balance - float(inst.principal), t
    simple = charges / principal_years if principal_years > 0 else 0.0
    # A rate test, not money: float is fine here; the result is rounded to 0.01 % as rates are stated.
    cost = Decimal(repr(max(irr * 12, simple))).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return max(cost, penalty_rate_daily * 365)
