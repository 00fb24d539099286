"""Pure rules of write-off and recovery: the reasons, what is written off per installment, and how a
recovery is spread over what was written off. No I/O; integer minor units."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from accord.kit.errors import InputError, ProblemError

REASONS = ("uncollectable", "deceased", "bankruptcy", "statute_barred", "fraud", "small_balance",
           "settlement_shortfall", "sold")
COMPONENTS = ("principal", "interest", "fee", "penalty")


def check_reason(reason: str) -> str:
    if reason not in REASONS:
        raise InputError(f"write-off reason {reason!r} is not one of {', '.join(REASONS)}")
    return reason


@dataclass(frozen=True)
class InstallmentState:
    """One unsettled installment as the book holds it (``*_due`` / ``*_paid`` projection)."""

    installment_no: int
    due_on: date
    principal_due: int
    interest_due: int
    fee_due: int
    principal_paid: int
    interest_paid: int
    fee_paid: int
    penalty_accrued: int
    penalty_paid: int


def outstanding(inst: InstallmentState, charged_through: date | None) -> dict[str, int]:
    """What the borrower owes on one installment, per component. Interest and fees are owed only once
    charged — when the installment fell due on a day the daily run has processed (``charged_through``,
    the last run date) — as the run charges them; principal is owed whether due or not."""
    charged = charged_through is not None and inst.due_on <= charged_through
    out = {"principal": inst.principal_due - inst.principal_paid,
           "interest": inst.interest_due - inst.interest_paid if charged else 0,
           "fee": inst.fee_due - inst.fee_paid if charged else 0,
           "penalty": inst.penalty_accrued - inst.penalty_paid}
    bad = [c for c, v in out.items() if v < 0]
    if bad:
        raise ProblemError(f"installment {inst.installment_no} has more paid than due for {', '.join(bad)}: "
                           "run `accord ledger verify` before writing off")
    return out


def write_off_lines(insts: Iterable[InstallmentState], charged_through: date | None) -> list[dict]:
    """One line per installment with something outstanding: installment_no and the amounts per component."""
    lines = []
    for inst in insts:
        o = outstanding(inst, charged_through)
        if any(o.values()):
            lines.append({"installment_no": inst.installment_no, **o})
    return lines


def totals(lines: Iterable[dict]) -> dict[str, int]:
    t = dict.fromkeys(COMPONENTS, 0)
    for line in lines:
        for c in COMPONENTS:
            t[c] += int(line[c])
    return t


def allocate_recovery(amount: int, remaining: dict[str, int], order: tuple[str, ...]) -> tuple[dict[str, int], int]:
    """Spread a recovered ``amount`` over what is still written off and not yet recovered, component by
    component in the product's waterfall order; returns (allocation per component, excess). The excess
    (more than everything written off) is held for a refund."""
    if amount < 0:
        raise ValueError("a recovery amount cannot be negative")
    alloc = dict.fromkeys(COMPONENTS, 0)
    left = amount
    for c in order:
        take = min(left, max(remaining.get(c, 0), 0))
        alloc[c] = take
        left -= take
    return alloc, left
