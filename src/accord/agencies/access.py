"""What an agency user may see (PIPL art. 21, data minimisation): only the cases currently handed
over to their own agency, and only the fields the agency needs to collect — never the national id
in clear, contact persons, the borrower's other loans, scores or internal notes.

Every refusal is the same ``AccessDenied`` sentence whether the case does not exist, was never
placed, was recalled or belongs to another agency, so a refusal tells nothing about other cases.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.kit.errors import ProblemError
from accord.kit.money import fmt_minor


class AccessDenied(ProblemError):
    """The user may not see or act on this case (exit 1)."""


AGENCY_ROLE = "agency_agent"


def agency_user(session: Session, user_id: str):  # noqa: ANN201
    """The active agency agent ``user_id`` (an ``agents`` row with role agency_agent and an agency)."""
    from accord.agents.models import Agent

    user = session.get(Agent, user_id)
    if user is None or not user.active or user.role != AGENCY_ROLE or not user.agency:
        raise AccessDenied(f"user {user_id!r} is not an active agency user")
    return user


def _placed(session: Session, agency_id: str, case_id: int | None = None) -> list:
    from accord.agencies.models import Placement
    from accord.cases.models import Case

    stmt = (select(Placement, Case).join(Case, Case.id == Placement.case_id)
            .where(Placement.agency_id == agency_id, Placement.status == "handed_over", Case.status == "open",
                   Case.owner_kind == "agency", Case.owner_id == agency_id))
    if case_id is not None:
        stmt = stmt.where(Placement.case_id == case_id)
    return list(session.execute(stmt.order_by(Placement.case_id)).all())


def _view(p, case, borrower, snap, currency: str, pii: bool, holds: list[str]) -> dict:  # noqa: ANN001
    from accord.agents.masking import mask_id, mask_phone

    due = snap.overdue_principal + snap.overdue_interest + snap.overdue_fees + snap.penalty if snap else 0
    return {"case_id": case.id, "loan_id": case.loan_id, "placement_id": p.id, "agency_id": p.agency_id,
            "borrower_name": borrower.name,
            "phone": borrower.phone if pii else mask_phone(borrower.phone),
            "national_id": mask_id(borrower.national_id),  # never in clear, whatever the user's rights
            "currency": currency, "amount_due": fmt_minor(due),
            "outstanding_principal": fmt_minor(snap.outstanding_principal if snap else 0),
            "penalty": fmt_minor(snap.penalty if snap else 0), "dpd": case.dpd, "bucket": case.bucket,
            "language": borrower.language, "timezone": borrower.timezone, "holds": holds,
            "handed_over_at": p.handed_over_at.isoformat() if p.handed_over_at else None,
            "ends_on": p.ends_on.isoformat() if p.ends_on else None}


def _holds(session: Session, borrower_ids: list[str]) -> dict:
    from accord.agencies.repository import active_hold_kinds

    return active_hold_kinds(session, borrower_ids)


def agency_cases(session: Session, user_id: str) -> list[dict]:
    """The cases currently handed over to the user's agency, minimised."""
    user = agency_user(session, user_id)
    return _views(session, user, _placed(session, user.agency))


def _views(session: Session, user, rows: list) -> list[dict]:  # noqa: ANN001
    from accord.agencies.repository import borrowers_by_ids, latest_snapshots, loan_currencies

    borrowers = borrowers_by_ids(session, [c.borrower_id for _, c in rows])
    holds = _holds(session, list(borrowers))
    snaps = latest_snapshots(session, [p.loan_pk for p, _ in rows])
    currencies = loan_currencies(session, [c.loan_id for _, c in rows])
    return [_view(p, c, borrowers[c.borrower_id], snaps.get(p.loan_pk), currencies.get(c.loan_id, "CNY"),
                  user.can_see_pii,
                  sorted({k for k, loan in holds.get(c.borrower_id, []) if loan is None or loan == c.loan_id}))
            for p, c in rows]


def agency_view(session: Session, user_id: str, case_id: int) -> dict:
    """One case as the agency user may see it; ``AccessDenied`` unless it is handed over to their agency."""
    user = agency_user(session, user_id)
    rows = _placed(session, user.agency, int(case_id))
    if not rows:
        raise AccessDenied(f"case {case_id} is not placed with agency {user.agency}")
    return _views(session, user, rows)[0]


# -- the agency agent's work queue (used by accord.agents.service) ---------------------------------------

def work_item_id(placement_id: int, day: date) -> str:
    return f"placement:{placement_id}:{day.isoformat()}"


def agency_work(session: Session, user, day: date, now: datetime):  # noqa: ANN001, ANN201
    """The agency's placed cases as the agents' queue frame: action_id, loan_id, borrower_id, language,
    channel, local_time, bucket, dpd, overdue_minor, name, phone, email (none: not needed), jurisdiction,
    timezone."""
    import polars as pl

    from accord.agencies.repository import borrowers_by_ids, latest_snapshots
    from accord.kit.timeutil import zone

    rows = _placed(session, user.agency)
    borrowers = borrowers_by_ids(session, [c.borrower_id for _, c in rows])
    holds = _holds(session, list(borrowers))
    snaps = latest_snapshots(session, [p.loan_pk for p, _ in rows], day)
    out = []
    for p, c in rows:
        # No collection activity on a case under a hold (dispute, cease, ...): the agency sees it, never calls.
        if any(k != "opt_out" and (loan is None or loan == c.loan_id) for k, loan in holds.get(c.borrower_id, [])):
            continue
        b, snap = borrowers[c.borrower_id], snaps.get(p.loan_pk)
        due = snap.overdue_principal + snap.overdue_interest + snap.overdue_fees + snap.penalty if snap else 0
        out.append({"action_id": work_item_id(p.id, day), "loan_id": c.loan_id, "borrower_id": b.id,
                    "language": b.language, "channel": "call",
                    "local_time": now.astimezone(zone(b.timezone)).strftime("%H:%M"), "bucket": c.bucket,
                    "dpd": c.dpd, "overdue_minor": due, "name": b.name, "phone": b.phone, "email": None,
                    "jurisdiction": b.jurisdiction, "timezone": b.timezone})
    schema = {"action_id": pl.String, "loan_id": pl.String, "borrower_id": pl.String, "language": pl.String,
              "channel": pl.String, "local_time": pl.String, "bucket": pl.String, "dpd": pl.Int64,
              "overdue_minor": pl.Int64, "name": pl.String, "phone": pl.String, "email": pl.String,
              "jurisdiction": pl.String, "timezone": pl.String}
    return pl.DataFrame(out, schema=schema, orient="row") if out else pl.DataFrame(schema=schema)


def work_item(session: Session, user, item_id: str) -> tuple[str, str]:  # noqa: ANN001
    """(loan_id, borrower_id) of a queue item ``placement:ID:DAY`` the agency user may act on."""
    from accord.agencies.models import Placement

    parts = item_id.split(":")
    if user is None or user.role != AGENCY_ROLE or not user.agency or len(parts) != 3 or not parts[1].isdigit():
        raise AccessDenied(f"{item_id!r} is not a work item of this user's agency")
    p = session.get(Placement, int(parts[1]))
    rows = _placed(session, user.agency, p.case_id) if p is not None else []
    if not rows or rows[0][0].id != p.id:
        raise AccessDenied(f"{item_id!r} is not a case placed with agency {user.agency}")
    return p.loan_id, p.borrower_id
