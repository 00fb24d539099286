"""Plain-data views of legal matters (money as two-decimal strings, ISO dates). Pure."""

from __future__ import annotations

from datetime import date, datetime

from accord.kit.money import fmt_minor
from accord.legal.models import LegalMatter, LegalStep


def _iso(v: date | datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def _money(v: int | None) -> str | None:
    return None if v is None else fmt_minor(v)


def step_view(s: LegalStep) -> dict:
    return {"seq": s.seq, "kind": s.kind, "from_state": s.from_state, "to_state": s.to_state, "on": _iso(s.step_on),
            "forum": s.forum, "case_number": s.case_number, "amount": _money(s.amount_minor), "note": s.note,
            "documents": list(s.documents or []), "actor": s.actor, "at": _iso(s.at)}


def matter_view(m: LegalMatter, steps: list[LegalStep] | None = None) -> dict:
    out = {"matter_id": m.id, "case_id": m.case_id, "loan_id": m.loan_id, "borrower_id": m.borrower_id,
           "jurisdiction": m.jurisdiction, "track": m.track, "state": m.state, "status": m.status,
           "forum": m.forum, "case_number": m.case_number, "claim": _money(m.claim_minor),
           "judgment": _money(m.judgment_minor), "opened_on": _iso(m.opened_on), "closed_on": _iso(m.closed_on),
           "hold_id": m.hold_id, "opened_by": m.opened_by}
    if steps is not None:
        out["steps"] = [step_view(s) for s in steps]
    return out
