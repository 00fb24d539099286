"""The strategy's ``agency_placement`` steps as a manager's queue: list the undecided proposals,
confirm them (placing their cases through ``service.place_cases``, notice first) or dismiss them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from accord.agencies import repository as repo
from accord.journal.service import append
from accord.kit.errors import InputError, ProblemError


def proposals(session: Session, day: date | None = None) -> list[dict]:
    """The strategy's ``agency_placement`` tasks not yet decided, whose case is still open and
    unplaced: the manager's queue (``accord agency place AGENCY --proposal ID``)."""
    actions = repo.proposal_actions(session, day)
    if not actions:
        return []
    decided = repo.decided_sources(session, [f"proposal:{a.id}" for a in actions])
    case_ids = [int(a.case_id) for a in actions if a.case_id]
    cases = repo.cases_by_ids(session, case_ids)
    active = repo.active_placements_for_cases(session, case_ids)
    out, seen = [], set()
    for a in actions:
        cid = int(a.case_id) if a.case_id else None
        c = cases.get(cid)
        if f"proposal:{a.id}" in decided or c is None or c.status != "open" or cid in active or cid in seen:
            continue
        seen.add(cid)
        out.append({"proposal_id": a.id, "plan_date": a.plan_date.isoformat(), "case_id": cid,
                    "loan_id": a.loan_id, "borrower_id": a.borrower_id, "bucket": c.bucket, "dpd": c.dpd,
                    "segment": a.segment, "strategy": a.strategy})
    return out


def place_proposals(session: Session, agency_id: str, proposal_ids: list[str], *, actor: str,
                    on: date | None = None, now: datetime | None = None, skip_ineligible: bool = False):  # noqa: ANN201 - service.PlaceResult
    """Confirm strategy proposals: place their cases with ``agency_id``."""
    sources, case_ids = {}, []
    for pid in proposal_ids:
        a = repo.get_action(session, pid)
        if a is None or a.channel != "agency_placement":
            raise InputError(f"--proposal {pid!r} is not an agency placement proposal")
        if a.status != "planned":
            raise ProblemError(f"proposal {pid} was already {a.status}")
        if not a.case_id:
            raise ProblemError(f"proposal {pid} has no case")
        if repo.decided_sources(session, [f"proposal:{pid}"]):
            raise ProblemError(f"proposal {pid} was already confirmed")
        case_ids.append(int(a.case_id))
        sources[int(a.case_id)] = f"proposal:{pid}"
    from accord.agencies.service import place_cases

    return place_cases(session, agency_id, case_ids, actor=actor, on=on, now=now, sources=sources,
                       skip_ineligible=skip_ineligible)


def dismiss_proposal(session: Session, proposal_id: str, *, reason: str, actor: str) -> dict:
    a = repo.get_action(session, proposal_id)
    if a is None or a.channel != "agency_placement":
        raise InputError(f"{proposal_id!r} is not an agency placement proposal")
    if a.status != "planned":
        raise ProblemError(f"proposal {proposal_id} was already {a.status}")
    a.status = "cancelled"
    session.flush()
    append(session, "placement.proposal_dismissed", actor=actor, loan_id=a.loan_id, borrower_id=a.borrower_id,
           subject=f"action:{a.id}", payload={"action_id": a.id, "case_id": a.case_id, "reason": reason})
    return {"proposal_id": a.id, "status": "cancelled", "reason": reason}
