"""Policy bounds of an arrangement — pure: what the arrangement measures (discount share, smallest
instalment, term, extension and holiday months, arrangements in 12 months) against the automatic and
hard limits. Each excess is a ``Breach`` naming the bound, its limit and the value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal

from accord.arrangements import restructure as rs
from accord.arrangements.policy import ArrangementPolicy, Bounds
from accord.kit.money import fmt_minor


@dataclass(frozen=True)
class Breach:
    bound: str  # e.g. "max_discount"
    limit: str
    value: str
    level: str  # "manager" (above auto, within hard) or "hard" (beyond what anyone may approve)

    def __str__(self) -> str:
        return f"{self.bound} {self.value} exceeds the {'automatic' if self.level == 'manager' else 'hard'} limit {self.limit}"

    def as_dict(self) -> dict:
        return asdict(self)


def measure(kind: str, terms: dict, r: rs.Restructure, arrangements_12m: int) -> dict:
    """The figures the bounds apply to (money in minor units, shares as Decimal)."""
    owed = rs.total(r.before)
    rows = {nr.no: nr for nr in r.new_rows}
    waived = rs.total(r.waived) + (rows[r.remainder_no].amount if r.remainder_no else 0)
    regular = [rows[n].amount for n in r.plan_nos]
    if len(regular) > 1:
        regular = regular[:-1]  # the last instalment absorbs the rounding
    m = {"max_discount": (Decimal(waived) / owed).quantize(Decimal("0.0001")) if owed else Decimal(0),
         "max_per_12_months": arrangements_12m + 1}
    if kind in ("plan", "settlement", "reage") and regular:
        m["min_instalment"] = min(regular)
    if kind in ("plan", "settlement"):
        m["max_term_months"] = terms["instalments"]
    if kind == "reage":
        m["max_term_months"] = len(r.new_rows)
    if kind == "extension":
        m["max_extension_months"] = terms["months"]
    if kind == "holiday":
        m["max_holiday_months"] = terms["months"]
    return m


def _over(name: str, value, b: Bounds) -> tuple[bool, str]:  # noqa: ANN001
    if name == "max_discount":
        return value > b.max_discount, str(b.max_discount)
    if name == "min_instalment":
        return value < b.min_instalment_minor, fmt_minor(b.min_instalment_minor)
    limit = getattr(b, name)
    return value > limit, str(limit)


def check_bounds(measured: dict, pol: ArrangementPolicy) -> list[Breach]:
    out = []
    for name, value in measured.items():
        shown = fmt_minor(value) if name == "min_instalment" else str(value)
        over_hard, hard_limit = _over(name, value, pol.hard)
        over_auto, auto_limit = _over(name, value, pol.auto)
        if over_hard:
            out.append(Breach(name, hard_limit, shown, "hard"))
        elif over_auto:
            out.append(Breach(name, auto_limit, shown, "manager"))
    return out


def approval_level(breaches: list[Breach]) -> str:
    if any(b.level == "hard" for b in breaches):
        return "refused"
    return "manager" if breaches else "auto"
