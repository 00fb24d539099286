"""The legal track (调解 / 诉讼) per case: open a mediation or a lawsuit, record its steps with dates,
court or mediator, case number, amounts and documents, and keep collection quiet meanwhile.

While a matter is open the case's stage is ``legal`` and — where the policy says so for the borrower's
jurisdiction and the track — a hold of kind ``legal`` on the matter's loan stops automatic contacts; the
hold is released when the matter reaches a final state (agreement, failed, concluded, withdrawn), and
the case returns to the stage it had. Every step is journalled in the caller's transaction; documents
go to the evidence store by content hash (as dispute evidence does). Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from accord.journal.service import append
from accord.kit.crypto import sha256_hex
from accord.kit.errors import InputError, ProblemError
from accord.kit.money import fmt_minor
from accord.kit.timeutil import utcnow
from accord.legal import repository as repo
from accord.legal.models import LegalMatter, LegalStep
from accord.legal.policy import legal_policy
from accord.legal.rules import INITIAL, JUDGMENT_STEPS, check_step, check_track, is_terminal
from accord.legal.views import matter_view

LEGAL_STAGE = "legal"


@dataclass(frozen=True)
class StepResult:
    matter: LegalMatter
    step: LegalStep
    hold_id: int | None  # the hold opened (on opening) or released (on a final step), if any


def _documents(paths: list[Path] | tuple, evidence: Path | None) -> list[dict]:
    if not paths:
        return []
    from accord.cases.dispute_service import evidence_dir, store_evidence

    return store_evidence(list(paths), evidence_dir(evidence))


def _amount(value: int | None, what: str) -> int | None:
    if value is not None and value < 0:
        raise InputError(f"{what} must not be negative (got {fmt_minor(value)})")
    return value


def _jurisdiction(session: Session, borrower_id: str) -> str:
    from accord.loans.models import Borrower

    b = session.get(Borrower, borrower_id)
    return b.jurisdiction if b is not None else "CN"


def _add_step(session: Session, m: LegalMatter, kind: str, from_state: str | None, *, on: date, forum: str | None,
              case_number: str | None, amount_minor: int | None, note: str | None, documents: list[dict],
              actor: str) -> LegalStep:
    step = LegalStep(matter_id=m.id, seq=repo.step_count(session, m.id) + 1, kind=kind, from_state=from_state,
                     to_state=m.state, step_on=on, forum=forum, case_number=case_number, amount_minor=amount_minor,
                     note=note, documents=documents, actor=actor, at=utcnow())
    session.add(step)
    session.flush()
    return step


def _journal(session: Session, kind: str, m: LegalMatter, step: LegalStep, extra: dict) -> None:
    append(session, kind, actor=step.actor, loan_id=m.loan_id, borrower_id=m.borrower_id, subject=f"legal:{m.id}",
           payload={"matter_id": m.id, "case_id": m.case_id, "track": m.track, "seq": step.seq, "step": step.kind,
                    "from_state": step.from_state, "state": m.state, "on": step.step_on, "forum": step.forum,
                    "case_number": step.case_number,
                    "amount": None if step.amount_minor is None else fmt_minor(step.amount_minor),
                    "documents": [d["sha256"] for d in step.documents],
                    "note_sha256": sha256_hex(step.note) if step.note else None, **extra})


def open_matter(session: Session, case_id: int, track: str, *, on: date, forum: str | None = None,
                case_number: str | None = None, claim_minor: int | None = None, note: str | None = None,
                documents: list[Path] | tuple = (), evidence: Path | None = None, actor: str = "system") -> StepResult:
    """Open a mediation (state ``requested``) or a lawsuit (state ``filed``) on an open case."""
    from accord.cases.hold_service import open_hold
    from accord.cases.service import get_case

    check_track(track)
    _amount(claim_minor, "claim amount")
    case = get_case(session, case_id)
    if case.status != "open":
        raise ProblemError(f"case {case_id} is closed ({case.close_reason} on {case.closed_on}): "
                           "a legal matter needs an open case")
    others = repo.open_matters_for_case(session, case_id)
    same = [o for o in others if o.track == track]
    if same:
        raise ProblemError(f"case {case_id} already has an open {track} (matter {same[0].id}, {same[0].state})")
    files = _documents(documents, evidence)
    jurisdiction = _jurisdiction(session, case.borrower_id)
    prior = others[0].prior_stage if others else case.stage
    m = LegalMatter(case_id=case.id, loan_id=case.loan_id, borrower_id=case.borrower_id, jurisdiction=jurisdiction,
                    track=track, state=INITIAL[track], status="open", forum=forum, case_number=case_number,
                    claim_minor=claim_minor, opened_on=on, prior_stage=prior, opened_by=actor, opened_at=utcnow())
    session.add(m)
    session.flush()
    step = _add_step(session, m, m.state, None, on=on, forum=forum, case_number=case_number,
                     amount_minor=claim_minor, note=note, documents=files, actor=actor)
    stops = legal_policy().stops_contacts(jurisdiction, track)
    if stops:
        hold = open_hold(session, case.borrower_id, "legal", form="written", reason=f"{track} (legal matter {m.id})",
                         source=f"legal:{m.id}", case_id=case.id, loan_id=case.loan_id, actor=actor)
        m.hold_id = hold.id
    case.stage, case.updated_on = LEGAL_STAGE, max(case.updated_on, on)
    session.flush()
    _journal(session, "legal.opened", m, step, {"jurisdiction": jurisdiction, "contacts_stop": stops,
                                                "hold_id": m.hold_id, "prior_stage": prior})
    return StepResult(m, step, m.hold_id)


def record_step(session: Session, matter_id: int, to: str, *, on: date, forum: str | None = None,
                case_number: str | None = None, amount_minor: int | None = None, note: str | None = None,
                documents: list[Path] | tuple = (), evidence: Path | None = None, actor: str = "system") -> StepResult:
    """Move a matter to its next state (or record property preservation on a lawsuit). An invalid step
    is refused naming the current state and the allowed next steps. A final state closes the matter,
    releases its hold and gives the case its stage back when no other matter is open on it."""
    from accord.cases.hold_service import release_by_source
    from accord.cases.rules import is_bucket_stage
    from accord.cases.service import get_case

    m = repo.get_matter(session, matter_id)
    if m is None:
        raise ProblemError(f"no legal matter {matter_id}")
    _amount(amount_minor, "amount")
    last = repo.last_step(session, m.id)
    if m.status != "open":
        raise ProblemError(f"legal matter {matter_id} is closed ({m.track} {m.state} on {m.closed_on}): "
                           "no further steps are allowed")
    changes = check_step(m.track, m.state, to, on, last.step_on if last else m.opened_on)
    files = _documents(documents, evidence)
    before = m.state
    if changes:
        m.state = to
    if forum:
        m.forum = forum
    if case_number:
        m.case_number = case_number
    if to in JUDGMENT_STEPS and amount_minor is not None:
        m.judgment_minor = amount_minor
    step = _add_step(session, m, to, before, on=on, forum=forum, case_number=case_number, amount_minor=amount_minor,
                     note=note, documents=files, actor=actor)
    released: list = []
    extra: dict = {}
    if changes and is_terminal(m.track, m.state):
        m.status, m.closed_on = "closed", on
        released = release_by_source(session, f"legal:{m.id}", reason=f"legal matter {m.id} {m.state}", actor=actor)
        case = get_case(session, m.case_id)
        if case.status == "open" and case.stage == LEGAL_STAGE and not [
                o for o in repo.open_matters_for_case(session, m.case_id) if o.id != m.id]:
            prior = m.prior_stage or case.bucket
            case.stage = case.bucket if is_bucket_stage(prior) else prior
            case.updated_on = max(case.updated_on, on)
            extra["case_stage"] = case.stage
        extra["released_holds"] = [h.id for h in released]
    session.flush()
    _journal(session, "legal.closed" if m.status == "closed" else "legal.step", m, step, extra)
    return StepResult(m, step, released[0].id if released else None)


def get_matter(session: Session, matter_id: int) -> LegalMatter:
    m = repo.get_matter(session, matter_id)
    if m is None:
        raise ProblemError(f"no legal matter {matter_id}")
    return m


def show_matter(session: Session, matter_id: int) -> dict:
    m = get_matter(session, matter_id)
    return matter_view(m, repo.steps(session, m.id))


def list_matters(session: Session, *, status: str | None = "open", track: str | None = None,
                 case_id: int | None = None, loan_id: str | None = None, borrower_id: str | None = None,
                 limit: int = 100, offset: int = 0) -> list[dict]:
    if track is not None:
        check_track(track)
    return [matter_view(m) for m in repo.list_matters(session, status=status, track=track, case_id=case_id,
                                                      loan_id=loan_id, borrower_id=borrower_id,
                                                      limit=limit, offset=offset)]


def case_file_section(session: Session, loan_id: str) -> list[dict]:
    """The loan's legal matters, oldest first, each with its steps and their documents' hashes — the
    legal part of the case file (``accord case export``)."""
    matters = repo.list_matters(session, status=None, track=None, case_id=None, loan_id=loan_id,
                                borrower_id=None, limit=10000, offset=0)
    steps = repo.steps_for(session, [m.id for m in matters])
    return [matter_view(m, steps[m.id]) for m in matters]
