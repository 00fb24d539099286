"""Plain-data views of the case workflow for the CLI, the API and other features (contract formats:
money as strings with two decimals, ISO dates and timestamps). Pure functions."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from accord.cases.models import Case, Dispute, Hold, Promise
from accord.kit.money import fmt_minor


@dataclass(frozen=True)
class Outbound:
    """A message the channels feature should render and send (after the compliance gate):
    ``template`` is a template id under accord/channels/templates, ``context`` its variables."""

    template: str
    channel: str
    borrower_id: str
    loan_id: str | None
    case_id: int | None
    purpose: str
    context: dict = field(default_factory=dict)
    ref: str | None = None  # what it is about: "promise:12", "dispute:3"

    def as_dict(self) -> dict:
        return asdict(self)


def _iso(v: date | datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def case_view(c: Case) -> dict:
    return {"case_id": c.id, "loan_id": c.loan_id, "borrower_id": c.borrower_id, "opened_on": _iso(c.opened_on),
            "stage": c.stage, "bucket": c.bucket, "dpd": c.dpd, "owner_kind": c.owner_kind, "owner_id": c.owner_id,
            "strategy": c.strategy, "arm": c.arm, "status": c.status, "closed_on": _iso(c.closed_on),
            "close_reason": c.close_reason, "next_step": c.next_step, "next_step_on": _iso(c.next_step_on),
            "broken_promises": c.broken_promises}


def hold_view(h: Hold) -> dict:
    return {"hold_id": h.id, "borrower_id": h.borrower_id, "case_id": h.case_id, "loan_id": h.loan_id,
            "kind": h.kind, "form": h.form, "opened_at": _iso(h.opened_at), "released_at": _iso(h.released_at),
            "active": h.released_at is None, "reason": h.reason, "release_reason": h.release_reason,
            "source": h.source}


def promise_view(p: Promise) -> dict:
    return {"promise_id": p.id, "case_id": p.case_id, "loan_id": p.loan_id, "borrower_id": p.borrower_id,
            "amount": fmt_minor(p.amount_minor), "due_on": _iso(p.due_on), "channel": p.channel,
            "taken_by": p.taken_by, "taken_at": _iso(p.taken_at), "status": p.status,
            "paid": fmt_minor(p.paid_minor), "judged_on": _iso(p.judged_on)}


def dispute_view(d: Dispute) -> dict:
    return {"dispute_id": d.id, "borrower_id": d.borrower_id, "case_id": d.case_id, "loan_id": d.loan_id,
            "jurisdiction": d.jurisdiction, "type": d.type, "form": d.form, "channel": d.channel,
            "received_at": _iso(d.received_at), "within_validation_period": d.within_validation_period,
            "sla_due_at": _iso(d.sla_due_at), "hold_id": d.hold_id, "status": d.status,
            "resolution": d.resolution, "outcome": d.outcome, "resolved_at": _iso(d.resolved_at),
            "contact_event_id": d.contact_event_id, "attachments": list(d.attachments or []),
            "survey": None if d.survey_score is None else {"score": d.survey_score, "comment": d.survey_comment,
                                                           "at": _iso(d.surveyed_at)}}
