"""The offer engine — pure: which arrangements a borrower qualifies for, what each is worth to the
lender against continuing collection, and whether the borrower can afford it.

For every candidate (kinds and sizes allowed by policy, within the hard limits) the engine builds
the restructure it would make, then:
- ``monthly_payment``: the most the borrower must pay in any calendar month while the arrangement
  runs (plan rows plus the untouched contractual rows falling due meanwhile);
- ``affordability`` = monthly payment ÷ disposable income (stated income − expenses), affordable
  when at most the policy share (1.0: never more than the disposable income);
- ``npv``: expected cash flows under the resulting schedule, each discounted monthly and weighted by
  the probability the arrangement is still kept, plus what collection recovers after a break, minus
  the arrangement's cost; ``continue_npv``: what continuing collection is expected to recover
  (model score when there is one, else the bucket's rate, calibration.md), minus its cost.
Offers are ranked affordable first, then by NPV.

UK (CONC 7.3.4, UK-FORB-01) by construction: a UK borrower in financial difficulty is offered only
options whose monthly payment is within the disposable income, forbearance variants (penalty and
charges frozen / waived) are included, and a token-payment holiday is always there as a fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from accord.arrangements import restructure as rs
from accord.arrangements.bounds import Breach, approval_level, check_bounds, measure
from accord.arrangements.policy import ArrangementPolicy
from accord.arrangements.terms import apply_terms
from accord.kit.money import fmt_minor

HARDSHIP_REASONS = ("job_loss", "income_drop", "illness", "bereavement", "divorce", "disaster", "debt_advice",
                    "vulnerable", "other")


@dataclass(frozen=True)
class Account:
    loan_id: str
    product: str
    bucket: str
    dpd: int
    jurisdiction: str
    rows: tuple[rs.Row, ...]  # unsettled installments
    today: date
    next_no: int
    p_repay: float | None = None  # probability of repaying from the registered model, if scored
    qualifying_payments: int = 0  # payments in the last 90 days (re-age eligibility)
    arrangements_12m: int = 0

    @property
    def owed_minor(self) -> int:
        return sum(rs.total(r.owed()) for r in self.rows)


@dataclass(frozen=True)
class Finances:
    income_minor: int | None = None  # monthly
    expenses_minor: int | None = None
    hardship: tuple[str, ...] = ()

    @property
    def disposable_minor(self) -> int | None:
        if self.income_minor is None:
            return None
        return max(self.income_minor - (self.expenses_minor or 0), 0)


@dataclass(frozen=True)
class Offer:
    kind: str
    terms: dict
    monthly_payment_minor: int
    total_minor: int  # what the borrower pays under the arrangement's schedule
    waived_minor: int
    npv_minor: int
    continue_npv_minor: int
    p_keep: float
    affordability: float | None
    affordable: bool | None
    approval: str  # auto | manager
    breaches: tuple[Breach, ...] = ()
    forbearance: bool = False
    schedule: tuple = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "terms": self.terms, "monthly_payment": fmt_minor(self.monthly_payment_minor),
                "total": fmt_minor(self.total_minor), "waived": fmt_minor(self.waived_minor),
                "npv": fmt_minor(self.npv_minor), "continue_npv": fmt_minor(self.continue_npv_minor),
                "npv_gain": fmt_minor(self.npv_minor - self.continue_npv_minor), "p_keep": round(self.p_keep, 4),
                "affordability": None if self.affordability is None else round(self.affordability, 4),
                "affordable": self.affordable, "approval": self.approval, "forbearance": self.forbearance,
                "breaches": [b.as_dict() for b in self.breaches],
                "schedule": [{"no": s["no"], "due_on": s["due_on"].isoformat(), "amount": fmt_minor(s["amount"])}
                             for s in self.schedule]}


def in_difficulty(acc: Account, fin: Finances) -> bool:
    """Hardship answers given, or the disposable income below the contractual monthly payment."""
    if fin.hardship:
        return True
    d = fin.disposable_minor
    if d is None:
        return False
    regular = max((rs.total(r.owed()) for r in acc.rows if r.due_on >= acc.today), default=0)
    return d < regular or acc.dpd > 0 and d < acc.owed_minor // 12


# -- money over time --------------------------------------------------------------------------------

def _df(pol: ArrangementPolicy, months: float) -> float:
    return (1 + float(pol.economics.annual_discount_rate)) ** (-months / 12)


def _months(today: date, d: date) -> float:
    return max((d - today).days, 0) / 30.4375


def continue_npv(acc: Account, pol: ArrangementPolicy) -> int:
    """Expected value of continuing collection: recovery share (score, else bucket) of the balance,
    discounted over the bucket's time to recover, less agency commission and contact costs."""
    e = pol.economics
    b = acc.bucket if acc.bucket in e.recovery_by_bucket else "M7"
    rate = acc.p_repay if acc.p_repay is not None else float(e.recovery_by_bucket[b])
    months = e.months_to_recover[b]
    value = rate * acc.owed_minor * _df(pol, months)
    if int(b[1:]) >= e.agency_from_bucket:
        value *= 1 - float(e.agency_commission)
    return int(round(value - e.collection_cost_per_month_minor * months))


def _p_keep(kind: str, waived: int, ratio: float | None, acc: Account, pol: ArrangementPolicy) -> float:
    e = pol.economics
    p = float(e.keep_rate[kind]) + (float(e.waiver_keep_bonus) if waived > 0 else 0.0)
    if ratio is None:
        p *= 0.9
    elif ratio > 1:
        p *= 0.2  # a plan beyond the borrower's means is rarely kept
    elif ratio > 0.5:
        p *= 1 - (ratio - 0.5)  # from 1.0 at half the disposable income down to 0.5 at all of it
    if acc.p_repay is not None:
        p *= 0.5 + acc.p_repay
    return min(max(p, 0.01), 0.97)


def _cash_rows(r: rs.Restructure, acc: Account) -> list[tuple[date, int]]:
    untouched = [(x.due_on, rs.total(x.owed())) for x in acc.rows if x.no not in set(r.closed)]
    new = [(nr.due_on, nr.amount) for nr in r.new_rows if nr.no != r.remainder_no and nr.amount > 0]
    return sorted(untouched + new)


def arrangement_npv(r: rs.Restructure, kind: str, p_keep: float, acc: Account, pol: ArrangementPolicy) -> int:
    """Each payment weighted by the chance the arrangement still stands (per-payment survival
    p_keep^(1/n)) and discounted; after a break collection recovers 70 % of its usual rate of what is
    unpaid (including a settlement's discount, which revives); minus the arrangement's cost."""
    cash = _cash_rows(r, acc)
    n = max(len(cash), 1)
    s = p_keep ** (1 / n)
    e = pol.economics
    b = acc.bucket if acc.bucket in e.recovery_by_bucket else "M7"
    value, unpaid, last = 0.0, 0.0, 0.0
    for k, (d, a) in enumerate(cash):
        alive = s ** (k + 1)
        m = _months(acc.today, d)
        value += a * alive * _df(pol, m)
        unpaid += a * (1 - alive)
        last = m
    if r.remainder_no is not None:
        unpaid += next(nr.amount for nr in r.new_rows if nr.no == r.remainder_no) * (1 - p_keep)
    rate = acc.p_repay if acc.p_repay is not None else float(e.recovery_by_bucket[b])
    value += 0.7 * rate * unpaid * _df(pol, last + e.months_to_recover[b])
    return int(round(value - e.arrangement_cost_minor))


def monthly_payment(r: rs.Restructure, acc: Account) -> int:
    """The largest calendar-month total the borrower owes while the arrangement runs."""
    end = r.ends_on or acc.today
    plan = set(r.plan_nos)
    due = [(nr.due_on, nr.amount) for nr in r.new_rows if nr.no in plan]
    due += [(x.due_on, rs.total(x.owed())) for x in acc.rows if x.no not in set(r.closed) and x.due_on <= end]
    months: dict[tuple[int, int], int] = {}
    for d, a in due:
        key = (d.year, d.month) if d >= acc.today else (acc.today.year, acc.today.month)
        months[key] = months.get(key, 0) + a
    return max(months.values(), default=0)


# -- candidates -------------------------------------------------------------------------------------

def _candidates(acc: Account, fin: Finances, pol: ArrangementPolicy, uk_difficulty: bool) -> list[tuple[str, dict, bool]]:
    """(kind, raw terms, forbearance) for every size the hard limits allow."""
    out: list[tuple[str, dict, bool]] = []
    overdue = any(r.due_on < acc.today for r in acc.rows)
    hard = pol.hard
    hardship = bool(fin.hardship) or uk_difficulty
    waive_options = (False, True) if uk_difficulty else (False,)
    if "plan" in pol.kinds:
        for n in (2, 3, 4, 6, 9, 12, 18, 24, 36):
            if n > hard.max_term_months:
                break
            for w in waive_options:
                if overdue:
                    out.append(("plan", {"instalments": n, "scope": "overdue", "waive_penalty": w}, w))
                out.append(("plan", {"instalments": n, "scope": "outstanding", "waive_penalty": w}, w))
    if "extension" in pol.kinds:
        out += [("extension", {"months": m}, False) for m in (1, 2, 3, 6, 12) if m <= hard.max_extension_months]
    if "settlement" in pol.kinds and acc.dpd > 0:
        for pct in (5, 10, 20, 30, 40, 50, 60, 70):
            if pct > hard.max_discount * 100:
                break
            out += [("settlement", {"discount": f"0.{pct:02d}", "instalments": k}, False)
                    for k in (1, 3, 6) if k <= hard.max_term_months]
    if "holiday" in pol.kinds and hardship:
        d = fin.disposable_minor
        token = min(pol.token_payment_minor, d) if (uk_difficulty and d is not None) else 0
        for m in (1, 2, 3, 6, 12):
            if m <= hard.max_holiday_months:
                for w in waive_options:
                    out.append(("holiday", {"months": m, "token": fmt_minor(token), "waive_penalty": w}, True))
    if "reage" in pol.kinds and overdue and acc.qualifying_payments >= pol.reage_qualifying_payments:
        out.append(("reage", {}, False))
    return out


def _evaluate(kind: str, raw: dict, forbearance: bool, acc: Account, fin: Finances, pol: ArrangementPolicy,
              cont: int, force_auto: bool = False) -> Offer | None:
    from accord.arrangements.terms import parse_terms

    terms = parse_terms(kind, raw, acc.today, pol, acc.owed_minor)
    try:
        r = apply_terms(kind, terms, list(acc.rows), acc.today, pol, acc.next_no)
    except ValueError:
        return None
    breaches = [] if force_auto else check_bounds(measure(kind, terms, r, acc.arrangements_12m), pol)
    level = approval_level(breaches)
    if level == "refused":
        return None
    pay = monthly_payment(r, acc)
    d = fin.disposable_minor
    ratio = None if d is None else (pay / d if d > 0 else (0.0 if pay == 0 else float("inf")))
    affordable = None if ratio is None else ratio <= float(pol.max_share_of_disposable)
    rows = {nr.no: nr for nr in r.new_rows}
    waived = rs.total(r.waived) + (rows[r.remainder_no].amount if r.remainder_no else 0)
    p = _p_keep(kind, waived, ratio, acc, pol)
    plan = [nr for nr in r.new_rows if nr.no in set(r.plan_nos)]
    return Offer(kind, terms, pay, sum(nr.amount for nr in plan), waived, arrangement_npv(r, kind, p, acc, pol), cont,
                 p, None if ratio is None or ratio == float("inf") else ratio, affordable, level, tuple(breaches),
                 forbearance, tuple({"no": nr.no, "due_on": nr.due_on, "amount": nr.amount} for nr in plan))


def propose_offers(acc: Account, fin: Finances, pol: ArrangementPolicy, limit: int | None = None) -> list[Offer]:
    """The options the borrower qualifies for, best first (affordable, then by NPV)."""
    uk = acc.jurisdiction == "UK" and in_difficulty(acc, fin)
    cont = continue_npv(acc, pol)
    offers = [o for kind, raw, forb in _candidates(acc, fin, pol, uk)
              if (o := _evaluate(kind, raw, forb, acc, fin, pol, cont)) is not None]
    if uk:
        # CONC 7.3.4: nothing beyond the disposable income (unknown income counts as none) ...
        d = fin.disposable_minor or 0
        offers = [o for o in offers if o.monthly_payment_minor <= d]
        # ... and a token-payment holiday always, whatever the policy's kinds and limits.
        if not any(o.kind == "holiday" for o in offers) and acc.rows:
            months = max(1, min(pol.auto.max_holiday_months, 3)) if pol.auto.max_holiday_months else 1
            fb = _evaluate("holiday", {"months": months, "token": fmt_minor(min(pol.token_payment_minor, d)),
                                       "waive_penalty": True}, True, acc, fin, pol, cont, force_auto=True)
            if fb is not None:
                offers.append(fb)
    rank = {True: 0, None: 1, False: 2}
    offers.sort(key=lambda o: (rank[o.affordable], -o.npv_minor, o.kind, str(o.terms)))
    return offers[:limit] if limit else offers
