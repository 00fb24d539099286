"""Plain-data views of write-offs, recoveries and sales (money as two-decimal strings). Pure."""

from __future__ import annotations

from datetime import date, datetime

from accord.kit.money import fmt_minor
from accord.writeoffs.models import DebtSale, Recovery, WriteOff


def _iso(v: date | datetime | None) -> str | None:
    return None if v is None else v.isoformat()


def write_off_view(w: WriteOff) -> dict:
    total = w.principal_minor + w.interest_minor + w.fee_minor + w.penalty_minor
    return {"write_off_id": w.id, "loan_id": w.loan_id, "borrower_id": w.borrower_id, "reason": w.reason,
            "written_off_on": _iso(w.written_off_on), "principal": fmt_minor(w.principal_minor),
            "interest": fmt_minor(w.interest_minor), "fee": fmt_minor(w.fee_minor),
            "penalty": fmt_minor(w.penalty_minor), "total": fmt_minor(total), "credit_held": fmt_minor(w.credit_minor),
            "case_id": w.case_id, "by": w.by, "at": _iso(w.at)}


def recovery_view(r: Recovery, allocation: dict | None = None) -> dict:
    out = {"payment_id": r.payment_id, "loan_id": r.loan_id, "paid_on": _iso(r.paid_on),
           "applied_on": _iso(r.applied_on), "amount": fmt_minor(r.amount_minor), "excess": fmt_minor(r.excess_minor),
           "after_sale": r.after_sale}
    if allocation is not None:
        out["allocation"] = {k: fmt_minor(v) for k, v in allocation.items()}
    return out


def sale_view(s: DebtSale) -> dict:
    return {"sale_id": s.id, "loan_id": s.loan_id, "buyer": s.buyer, "price": fmt_minor(s.price_minor),
            "flagged_on": _iso(s.flagged_on), "evidence": {"name": s.evidence_name, "sha256": s.evidence_sha256,
                                                         "size": s.evidence_size},
            "was_open": s.was_open, "by": s.by, "at": _iso(s.at)}
