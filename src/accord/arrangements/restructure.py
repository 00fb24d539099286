"""The ledger restructure of an arrangement — pure: from the loan's unsettled installments and the
terms, the rows to close out, the new installment rows and the postings that move the money.

How money moves (every amount integer minor units, per component principal / interest / fee / penalty):
- each affected old row is *closed out*: what it still owes leaves it as a negative ``restructure``
  posting (and, where the row had already fallen due and been charged, a negative ``charge`` posting
  reverses the interest and fees that will fall due again on the new rows); its dues become what was
  paid, and it is settled;
- amounts forgiven now are positive ``waiver`` postings (and the ``waived`` column);
- the new rows receive the moved amounts as positive ``restructure`` postings: they are ordinary
  installments the daily run charges, pays, ages and penalises like any other.
So per loan and component the ``restructure`` postings sum to zero, and owed before = owed after +
waived (``ledger/verify.py`` checks both from the postings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from accord.loans.schedule import add_months

COMPS = ("principal", "interest", "fee", "penalty")
# Order in which a row is filled from a pool, and in which a settlement discount is taken: the
# default waterfall's (charges first, principal last).
FILL_ORDER = ("penalty", "fee", "interest", "principal")


def zero() -> dict[str, int]:
    return dict.fromkeys(COMPS, 0)


def add(a: dict, b: dict) -> dict:
    return {c: a[c] + b[c] for c in COMPS}


def sub(a: dict, b: dict) -> dict:
    return {c: a[c] - b[c] for c in COMPS}


def total(a: dict) -> int:
    return sum(a[c] for c in COMPS)


@dataclass(frozen=True)
class Row:
    """An unsettled installment as the ledger holds it. ``charged``: its interest and fees were posted
    as a ``charge`` (it fell due on a day the daily run has processed)."""

    no: int
    due_on: date
    principal_due: int
    interest_due: int
    fee_due: int
    principal_paid: int = 0
    interest_paid: int = 0
    fee_paid: int = 0
    penalty_accrued: int = 0
    penalty_paid: int = 0
    waived: int = 0
    charged: bool = False

    def owed(self) -> dict[str, int]:
        return {"principal": self.principal_due - self.principal_paid, "interest": self.interest_due - self.interest_paid,
                "fee": self.fee_due - self.fee_paid, "penalty": self.penalty_accrued - self.penalty_paid}


@dataclass(frozen=True)
class NewRow:
    no: int
    due_on: date
    amounts: dict  # per component

    @property
    def amount(self) -> int:
        return total(self.amounts)


@dataclass(frozen=True)
class Line:
    """One posting: kind (restructure, waiver, charge), installment number, signed amounts."""

    kind: str
    no: int
    amounts: dict


@dataclass(frozen=True)
class Restructure:
    closed: tuple[int, ...]  # old rows closed out (dues := paid, settled today)
    waived_now: dict  # per old row number: amounts waived at acceptance
    new_rows: tuple[NewRow, ...]
    lines: tuple[Line, ...]
    plan_nos: tuple[int, ...]  # rows the borrower pays under the arrangement (monitored)
    remainder_no: int | None = None  # settlement: the discount, waived on completion
    ends_on: date | None = None
    before: dict = field(default_factory=zero)  # owed by affected rows before
    after: dict = field(default_factory=zero)  # owed by the new rows after
    waived: dict = field(default_factory=zero)  # waived now

    def schedule(self) -> list[dict]:
        return [{"no": r.no, "due_on": r.due_on, "amount": r.amount, **r.amounts} for r in self.new_rows]


def split_even(amount: int, n: int) -> list[int]:
    """``n`` parts adding up to ``amount``; the last absorbs the rounding."""
    base = amount // n
    return [base] * (n - 1) + [amount - base * (n - 1)]


def fill(pool: dict, amounts: list[int]) -> list[dict]:
    """Fill rows of the given totals from a pool of components, in ``FILL_ORDER``. ``sum(amounts)``
    must equal the pool's total: nothing is created or lost."""
    if sum(amounts) != total(pool) or any(a < 0 for a in amounts):
        raise ValueError("rows must add up to the pool")
    left = dict(pool)
    out = []
    for a in amounts:
        row, need = zero(), a
        for c in FILL_ORDER:
            take = min(need, left[c])
            row[c] += take
            left[c] -= take
            need -= take
        out.append(row)
    return out


def spread(pool: dict, n: int) -> list[dict]:
    """Each component split evenly over ``n`` rows (the last absorbs the rounding)."""
    parts = {c: split_even(pool[c], n) for c in COMPS}
    return [{c: parts[c][k] for c in COMPS} for k in range(n)]


def take_discount(pool: dict, amount: int) -> dict:
    """The components a discount of ``amount`` is taken from: charges first, principal last."""
    out, need = zero(), amount
    for c in FILL_ORDER:
        t = min(need, pool[c])
        out[c], need = t, need - t
    return out


def _close(rows: list[Row], waive: dict[int, dict]) -> tuple[list[Line], dict, dict]:
    """Close out ``rows``: lines, total moved (pool) and total owed before."""
    lines: list[Line] = []
    pool, before = zero(), zero()
    for r in rows:
        owed = r.owed()
        before = add(before, owed)
        w = waive.get(r.no, zero())
        moved = sub(owed, w)
        if total(w):
            lines.append(Line("waiver", r.no, w))
        if any(moved.values()):
            lines.append(Line("restructure", r.no, {c: -moved[c] for c in COMPS}))
        if r.charged and (moved["interest"] or moved["fee"]):
            lines.append(Line("charge", r.no, {**zero(), "interest": -moved["interest"], "fee": -moved["fee"]}))
        pool = add(pool, moved)
    return lines, pool, before


def _build(rows: list[Row], new: list[tuple[date, dict]], next_no: int, waive: dict[int, dict] | None = None,
           plan_count: int | None = None, remainder: tuple[date, dict] | None = None,
           ends_on: date | None = None) -> Restructure:
    waive = waive or {}
    lines, pool, before = _close(rows, waive)
    specs = [*new, *([remainder] if remainder else [])]
    got = zero()
    for _, amounts in specs:
        got = add(got, amounts)
    if got != pool:  # the kinds below build rows from the pool; this guards the construction
        raise AssertionError(f"restructure does not conserve money: moved {pool}, placed {got}")
    new_rows = tuple(NewRow(next_no + k, d, a) for k, (d, a) in enumerate(specs))
    for nr in new_rows:
        if nr.amount:
            lines.append(Line("restructure", nr.no, dict(nr.amounts)))
    n_plan = len(new) if plan_count is None else plan_count
    plan_nos = tuple(nr.no for nr in new_rows[:n_plan] if nr.amount > 0)
    waived = zero()
    for w in waive.values():
        waived = add(waived, w)
    last = max((nr.due_on for nr in new_rows[:n_plan]), default=None)
    return Restructure(tuple(r.no for r in rows), waive, new_rows, tuple(lines), plan_nos,
                       new_rows[-1].no if remainder else None, ends_on or last, before, pool, waived)


def _penalty_waiver(rows: list[Row]) -> dict[int, dict]:
    return {r.no: {**zero(), "penalty": r.owed()["penalty"]} for r in rows if r.owed()["penalty"] > 0}


def plan(rows: list[Row], today: date, *, instalments: int, first_due: date, scope: str = "overdue",
         waive_penalty: bool = False, next_no: int | None = None) -> Restructure:
    """分期: the overdue rows (or every unsettled row) rescheduled into equal monthly instalments."""
    affected = [r for r in rows if r.due_on < today] if scope == "overdue" else list(rows)
    if not affected:
        raise ValueError("nothing to reschedule: no overdue installment" if scope == "overdue"
                         else "nothing to reschedule")
    waive = _penalty_waiver(affected) if waive_penalty else {}
    pool = sub(_sum_owed(affected), _sum(waive))
    amounts = split_even(total(pool), instalments)
    new = [(add_months(first_due, k), a) for k, a in enumerate(fill(pool, amounts))]
    return _build(affected, new, next_no or _next_no(rows), waive)


def extension(rows: list[Row], today: date, *, months: int, next_no: int | None = None) -> Restructure:
    """展期: every unsettled row moved by ``months``; arrears land one a month from then on."""
    base = add_months(max(today, rows[0].due_on), months)
    new = [(add_months(base, k), r.owed()) for k, r in enumerate(rows)]
    return _build(list(rows), new, next_no or _next_no(rows))


def holiday(rows: list[Row], today: date, *, months: int, token_minor: int = 0,
            waive_penalty: bool = False, next_no: int | None = None) -> Restructure:
    """Payment holiday: payments paused (or reduced to a token) for ``months``; the schedule then
    resumes. Nothing is overdue meanwhile, so no penalty accrues, and no interest is added."""
    waive = _penalty_waiver(rows) if waive_penalty else {}
    pool = sub(_sum_owed(rows), _sum(waive))
    owed = [total(sub(r.owed(), waive.get(r.no, zero()))) for r in rows]
    tokens: list[int] = []
    left = total(pool)
    for _ in range(months if token_minor > 0 else 0):
        t = min(token_minor, left - len(rows))  # keep at least a cent on each resumed row
        if t <= 0:
            break
        tokens.append(t)
        left -= t
    # Take the tokens off the first resumed rows.
    resumed, taken = [], sum(tokens)
    for o in owed:
        t = min(taken, max(o - 1, 0))
        resumed.append(o - t)
        taken -= t
    if taken:  # rows too small to carry the tokens: fewer tokens
        return holiday(rows, today, months=months, token_minor=0, waive_penalty=waive_penalty, next_no=next_no)
    filled = fill(pool, tokens + resumed)
    base = add_months(max(today, rows[0].due_on), months)
    new = [(add_months(today, k + 1), a) for k, a in enumerate(filled[:len(tokens)])]
    new += [(add_months(base, k), a) for k, a in enumerate(filled[len(tokens):])]
    return _build(list(rows), new, next_no or _next_no(rows), waive, plan_count=len(tokens),
                  ends_on=add_months(today, months))


def settlement(rows: list[Row], today: date, *, pay_minor: int, instalments: int, first_due: date,
               remainder_days: int, next_no: int | None = None) -> Restructure:
    """减免: pay ``pay_minor`` in ``instalments`` monthly payments; the rest waits on a remainder row
    (due ``remainder_days`` after the last payment) that is waived when the payments are complete."""
    pool = _sum_owed(rows)
    if not 0 < pay_minor <= total(pool):
        raise ValueError("the settlement amount must be positive and at most the balance")
    discount = take_discount(pool, total(pool) - pay_minor)
    payable = sub(pool, discount)
    new = [(add_months(first_due, k), a) for k, a in enumerate(fill(payable, split_even(pay_minor, instalments)))]
    rem_due = new[-1][0] + timedelta(days=remainder_days)
    return _build(list(rows), new, next_no or _next_no(rows), remainder=(rem_due, discount) if total(discount) else None,
                  ends_on=new[-1][0])


def reage(rows: list[Row], today: date, *, spread_months: int, first_due: date, monitor: int,
          next_no: int | None = None) -> Restructure:
    """Re-ageing: the arrears (overdue rows) are spread over the remaining schedule (or over
    ``spread_months`` new monthly rows when none remains) and the account is current again."""
    # A row already charged (fell due on a day the run processed) is arrears even on its due date: a new
    # row dated on or before the last run would never be charged.
    arrears = [r for r in rows if r.due_on < today or r.charged]
    future = [r for r in rows if not (r.due_on < today or r.charged)]
    if not arrears:
        raise ValueError("nothing to re-age: the account has no arrears")
    pool = _sum_owed(arrears)
    if future:
        new = [(r.due_on, add(r.owed(), s)) for r, s in zip(future, spread(pool, len(future)), strict=True)]
    else:
        new = [(add_months(first_due, k), s) for k, s in enumerate(spread(pool, spread_months))]
    return _build(list(rows), new, next_no or _next_no(rows), plan_count=min(monitor, len(new)))


def _sum_owed(rows: list[Row]) -> dict:
    out = zero()
    for r in rows:
        out = add(out, r.owed())
    return out


def _sum(d: dict[int, dict]) -> dict:
    out = zero()
    for v in d.values():
        out = add(out, v)
    return out


def _next_no(rows: list[Row]) -> int:
    return max(r.no for r in rows) + 1 if rows else 1


def remainder_waiver(row: Row) -> Line:
    """Completion of a settlement: what the remainder row still owes is waived."""
    return Line("waiver", row.no, row.owed())
