"""Pure rules of the case workflow: vocabularies, promise validation, when a dispute holds collection,
service-level due dates. No I/O: the services pass in the policy data and the facts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from accord.cases.policy import DisputeJurisdiction
from accord.kit.errors import InputError

CASE_STATUSES = ("open", "closed")
# "paid": a pre-due case whose installment was paid before it fell due.
CLOSE_REASONS = ("cured", "paid", "paid_off", "settled", "written_off")
OWNER_KINDS = ("queue", "agent", "agency")
HOLD_KINDS = ("dispute", "cease", "opt_out", "legal", "vulnerability", "bankruptcy", "attorney",
              "mental_capacity")
FORMS = ("written", "oral")
PROMISE_STATUSES = ("pending", "kept", "partly_kept", "broken", "cancelled")
DISPUTE_TYPES = ("not_my_debt", "wrong_amount", "already_paid", "identity_theft", "service_complaint",
                 "collector_conduct")
COMPLAINT_TYPES = ("service_complaint", "collector_conduct")
OUTCOMES = ("upheld", "rejected", "partially_upheld")
CHANNELS = ("call", "ai_call", "sms", "email", "push", "letter", "visit", "portal", "app", "agent",
            "chat", "in_person")


def one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    """``value`` if it is in ``allowed``; otherwise an input error naming the field and the choices."""
    if value not in allowed:
        raise InputError(f"{field} {value!r} is not one of {', '.join(allowed)}")
    return value


def check_promise(amount_minor: int, due_on: date, today: date, horizon_days: int) -> None:
    """A promise must be for a positive amount, on a date from today up to the policy horizon."""
    if amount_minor <= 0:
        raise InputError(f"promise amount must be greater than zero (got {amount_minor / 100:.2f})")
    if due_on < today:
        raise InputError(f"promise date {due_on} is in the past (today is {today})")
    last = today + timedelta(days=horizon_days)
    if due_on > last:
        raise InputError(f"promise date {due_on} is beyond the {horizon_days}-day horizon of the promise "
                         f"policy (latest {last})")


def dispute_hold_rule(j: DisputeJurisdiction, dtype: str, form: str, within_validation_period: bool,
                      possibly_valid: bool = True) -> str | None:
    """The rule id that requires a hold for this dispute, or None when collection may continue.

    US (US-DISP-01): written disputes of the debt within the validation period. UK (UK-DISP-01): any
    dispute of the debt on possibly valid grounds, written or oral. CN: configurable types.
    Complaints about service or conduct are not disputes of the debt and hold nothing by themselves.
    """
    h = j.hold
    if h is None or dtype not in h.types or form not in h.forms or not possibly_valid:
        return None
    if h.within_validation_period_only and not within_validation_period:
        return None
    return h.rule


def sla_due_at(j: DisputeJurisdiction, dtype: str, received_at: datetime) -> datetime:
    """When a final response is due: received_at plus the jurisdiction's days for this type."""
    days = j.sla_days.get(dtype, j.sla_days["default"])
    return received_at + timedelta(days=int(days))


def is_bucket_stage(stage: str) -> bool:
    """Stages named after a bucket (M1..M7) follow the bucket; named stages (legal, placed) stay."""
    return len(stage) >= 2 and stage[0] == "M" and stage[1:].isdigit()
