"""JSON-ready views of arrangements (money as two-decimal text, ISO dates) — pure."""

from __future__ import annotations

from datetime import date, datetime

from accord.arrangements.models import Arrangement


def _iso(v: date | datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def arrangement_view(a: Arrangement) -> dict:
    return {"arrangement_id": a.id, "loan_id": a.loan_id, "borrower_id": a.borrower_id, "case_id": a.case_id,
            "kind": a.kind, "status": a.status, "terms": a.terms, "approval_needed": a.approval_needed,
            "approved": bool(a.approvals), "breaches": list(a.breaches or []), "approvals": list(a.approvals or []),
            "offered_by": a.offered_by, "offered_at": _iso(a.offered_at), "valid_until": _iso(a.valid_until),
            "accepted_by": a.accepted_by, "accepted_at": _iso(a.accepted_at), "request_id": a.request_id,
            "start_on": _iso(a.start_on), "ends_on": _iso(a.ends_on), "plan_installments": list(a.plan_nos or []),
            "remainder_installment": a.remainder_no, "restructure": a.restructure or {}, "missed": a.missed,
            "closed_on": _iso(a.closed_on), "close_reason": a.close_reason, "history": list(a.history or [])}
