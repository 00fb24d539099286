"""Pure rules of agency placement: which cases may be placed, the CN-OUT-01 evaluation age, when a
notified placement is handed over, commission arithmetic and who may see a placed case. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

STATUSES = ("notified", "handed_over", "recalled", "returned", "expired")
ENDED = ("recalled", "returned", "expired")
# Outbox message states: the notice reached the borrower, may still go, or never will.
NOTICE_SENT = ("sent", "delivered")
NOTICE_FAILED = ("undelivered", "parked", "cancelled", "blocked")


def evaluation_max_age(evaluations_per_year: int | None, fallback_days: int) -> int:
    """Days an evaluation stays valid: a year divided by the pack's evaluations per year."""
    if evaluations_per_year:
        return 365 // int(evaluations_per_year)
    return fallback_days


def evaluation_problem(last_evaluated_on: date | None, on: date, max_age_days: int, rule: str) -> str | None:
    """Why the agency may not receive cases on ``on`` for lack of a recent evaluation, or None."""
    if last_evaluated_on is None:
        return f"{rule}: the agency has never been evaluated (at least every {max_age_days} days)"
    if (on - last_evaluated_on).days > max_age_days:
        return (f"{rule}: the agency's last evaluation ({last_evaluated_on}) is older than "
                f"{max_age_days} days")
    return None


@dataclass(frozen=True)
class CaseFacts:
    """What placement needs to know about one case."""

    case_id: int
    status: str
    stage: str
    jurisdiction: str
    hold_kinds: tuple[str, ...]
    active_placement: int | None  # id of an active placement, if any
    has_address: bool  # somewhere to send the hand-over notice
    dpd: int = 1


def case_problems(c: CaseFacts, jurisdictions: list[str], blocking_holds: tuple[str, ...],
                  blocking_stages: tuple[str, ...]) -> list[str]:
    """Every reason this case cannot be placed with an agency serving ``jurisdictions``."""
    out = []
    if c.status != "open":
        out.append("the case is closed")
    elif c.dpd < 1 or c.stage == "pre_due":
        out.append("the loan is not past due (a pre-due case is never placed)")
    if c.active_placement is not None:
        out.append(f"the case is already placed (placement {c.active_placement})")
    if c.jurisdiction not in jurisdictions:
        out.append(f"the agency may not collect in {c.jurisdiction} (allowed: {', '.join(jurisdictions) or 'none'})")
    held = sorted({k for k in c.hold_kinds if k in blocking_holds})
    if held:
        out.append(f"the borrower is under a {', '.join(held)} hold")
    if c.stage in blocking_stages:
        out.append(f"the case is in the {c.stage} stage")
    if not c.has_address:
        out.append("the borrower has no phone, e-mail or address for the hand-over notice (CN-OUT-01)")
    return out


def handover_due(handover_on: date, notice_status: str | None, notice_sent_on: date | None, as_of: date,
                 notice_days: int) -> str:
    """What to do with a notified placement on ``as_of``: ``hand_over``, ``wait`` or ``fail``.

    CN-OUT-01: the borrower must have been told before the hand-over, so the notice must have been
    sent, at least ``notice_days`` before, and never before the planned hand-over date."""
    if notice_status in NOTICE_FAILED or notice_status is None:
        return "fail"
    if notice_status not in NOTICE_SENT or notice_sent_on is None:
        return "wait"
    if as_of < max(handover_on, notice_sent_on + timedelta(days=notice_days)):
        return "wait"
    return "hand_over"


def rate_for(bucket: str, default_rate: Decimal, by_bucket: dict) -> Decimal:
    return Decimal(str(by_bucket[bucket])) if bucket in (by_bucket or {}) else Decimal(default_rate)


def commission_minor(rate: Decimal, collected_minor: int) -> int:
    """Rate × collected, rounded half-up to the minor unit (分 / cent)."""
    return int((Decimal(rate) * Decimal(int(collected_minor))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def check_rate(rate: Decimal, field: str = "commission rate") -> Decimal:
    from accord.kit.errors import InputError

    if not (Decimal(0) <= rate < Decimal(1)):
        raise InputError(f"{field} must be a share between 0 and 1 (0.25 = 25 %), not {rate}")
    return rate


def visible(placement_status: str | None, placement_agency: str | None, user_agency: str | None) -> bool:
    """An agency user sees a case only while it is handed over to their own agency (PIPL art. 21)."""
    return (placement_status == "handed_over" and user_agency is not None
            and placement_agency == user_agency)
