"""Disputes and complaints (异议 / 投诉): open from any channel with evidence, hold collection where
the jurisdiction requires it, track the SLA, resolve with an outcome and a letter, survey afterwards.

Evidence files are stored content-addressed (``<dir>/<sha[:2]>/<sha256>``) under ``evidence_dir`` or
``ACCORD_EVIDENCE_DIR`` (default ``./evidence``); the dispute keeps ``{name, sha256, size}`` and the
journal only the hashes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.cases import repository as repo
from accord.cases.hold_service import open_hold, release_by_source
from accord.cases.models import Dispute, Hold
from accord.cases.policy import dispute_policy
from accord.cases.rules import (CHANNELS, COMPLAINT_TYPES, DISPUTE_TYPES, FORMS, OUTCOMES, dispute_hold_rule, one_of,
                                sla_due_at)
from accord.cases.views import Outbound
from accord.journal.service import append
from accord.kit.crypto import file_sha256, sha256_hex
from accord.kit.errors import InputError, ProblemError
from accord.kit.timeutil import utcnow, zone


@dataclass(frozen=True)
class OpenedDispute:
    dispute: Dispute
    hold: Hold | None
    hold_rule: str | None
    acknowledgement: Outbound | None


@dataclass(frozen=True)
class ResolvedDispute:
    dispute: Dispute
    released: list[Hold]
    letter: Outbound
    survey: Outbound | None = None  # the satisfaction survey that follows the resolution


def evidence_dir(given: Path | None = None) -> Path:
    return Path(given or os.environ.get("ACCORD_EVIDENCE_DIR") or "evidence")


def store_evidence(paths: list[Path], folder: Path) -> list[dict]:
    """Copy each file into the evidence store (by content hash) and describe it."""
    out = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise InputError(f"evidence file {p}: no such file")
        sha = file_sha256(p)
        dest = folder / sha[:2] / sha
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dest)
        out.append({"name": p.name, "sha256": sha, "size": p.stat().st_size})
    return out


def _parties(session: Session, borrower_id: str | None, loan_id: str | None, case_id: int | None):  # noqa: ANN202
    """Resolve (borrower_id, loan_id, case_id) from whichever was given, checking they agree."""
    case = None
    if case_id is not None:
        case = repo.get_case(session, case_id)
        if case is None:
            raise ProblemError(f"no case {case_id}")
        if loan_id not in (None, case.loan_id):
            raise ProblemError(f"case {case_id} is about loan {case.loan_id}, not {loan_id}")
        loan_id = case.loan_id
    if loan_id is not None:
        loan = repo.loan_row(session, loan_id)
        if loan is None:
            raise ProblemError(f"no loan {loan_id!r}")
        if borrower_id not in (None, loan.borrower_id):
            raise ProblemError(f"loan {loan_id} is not borrower {borrower_id}'s")
        borrower_id = loan.borrower_id
        if case is None:
            case = repo.open_case_for_loan(session, loan_id)
    if borrower_id is None:
        raise InputError("a dispute needs a borrower, a loan or a case")
    b = repo.borrower_row(session, borrower_id)
    if b is None:
        raise ProblemError(f"no borrower {borrower_id!r}")
    return b, loan_id, case


def open_dispute(session: Session, *, dtype: str, form: str, channel: str, borrower_id: str | None = None,
                 loan_id: str | None = None, case_id: int | None = None, received_at: datetime | None = None,
                 within_validation_period: bool | None = None, possibly_valid: bool = True,
                 contact_event_id: str | None = None, attachments: list[Path] | tuple = (),
                 evidence: Path | None = None, opened_by: str = "agent") -> OpenedDispute:
    """Open a dispute or complaint; open a hold when the borrower's jurisdiction requires one."""
    one_of(dtype, DISPUTE_TYPES, "dispute type")
    one_of(form, FORMS, "dispute form")
    one_of(channel, CHANNELS, "dispute channel")
    received_at = received_at or utcnow()
    if received_at.tzinfo is None:
        raise InputError("dispute received_at must carry a time zone offset")
    b, loan_id, case = _parties(session, borrower_id, loan_id, case_id)
    j = dispute_policy().for_(b.jurisdiction)
    if within_validation_period is None:  # only meaningful where the pack has a validation period (US)
        within_validation_period = bool(j.hold and j.hold.within_validation_period_only
                                        and j.assume_within_validation_period)
    within = within_validation_period
    rule = dispute_hold_rule(j, dtype, form, within, possibly_valid)
    files = store_evidence(list(attachments), evidence_dir(evidence)) if attachments else []
    d = Dispute(borrower_id=b.id, case_id=case.id if case else None, loan_id=loan_id, jurisdiction=b.jurisdiction,
                type=dtype, form=form, channel=channel, received_at=received_at, within_validation_period=within,
                sla_due_at=sla_due_at(j, dtype, received_at), status="open", contact_event_id=contact_event_id,
                attachments=files, opened_by=opened_by)
    session.add(d)
    session.flush()
    append(session, "complaint.opened" if dtype in COMPLAINT_TYPES else "dispute.opened", actor=opened_by,
           loan_id=loan_id, borrower_id=b.id, subject=f"dispute:{d.id}",
           payload={"dispute_id": d.id, "case_id": d.case_id, "type": dtype, "form": form, "channel": channel,
                    "jurisdiction": b.jurisdiction, "received_at": received_at, "within_validation_period": within,
                    "possibly_valid": possibly_valid, "sla_due_at": d.sla_due_at, "hold_rule": rule,
                    "contact_event_id": contact_event_id, "attachments": [f["sha256"] for f in files]})
    hold = None
    ack = None
    if rule:
        hold = open_hold(session, b.id, "dispute", form=form, reason=rule, source=f"dispute:{d.id}",
                         case_id=d.case_id, loan_id=loan_id, actor=opened_by, at=received_at)
        d.hold_id = hold.id
        ack = Outbound(dispute_policy().acknowledgement_template, "letter" if form == "written" else "sms",
                       b.id, loan_id, d.case_id, "notice",
                       {"loan_ref": loan_id, "dispute_received_on": _local_day(received_at, b.timezone)},
                       f"dispute:{d.id}")
        session.flush()
    return OpenedDispute(d, hold, rule, ack)


def _local_day(at: datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).date().isoformat()


def resolve_dispute(session: Session, dispute_id: int, *, outcome: str, resolution: str, actor: str = "agent",
                    at: datetime | None = None) -> ResolvedDispute:
    """Resolve: release the dispute's holds, journal ``dispute.resolved``, return the letter to send
    (US: the verification / validation notice; elsewhere the pack's resolution template)."""
    one_of(outcome, OUTCOMES, "dispute outcome")
    if not resolution.strip():
        raise InputError("a resolution must say what was found")
    d = repo.get_dispute(session, dispute_id)
    if d is None:
        raise ProblemError(f"no dispute {dispute_id}")
    if d.status != "open":
        raise ProblemError(f"dispute {dispute_id} was already resolved on {d.resolved_at.isoformat()}")
    at = at or utcnow()
    if at.tzinfo is None:
        raise InputError("dispute resolved_at must carry a time zone offset")
    if at < d.received_at:
        raise InputError(f"dispute {dispute_id} cannot be resolved before it was received")
    released = release_by_source(session, f"dispute:{d.id}", reason=f"dispute {d.id} resolved: {outcome}",
                                 actor=actor, at=at)
    d.status, d.outcome, d.resolution, d.resolved_at = "resolved", outcome, resolution, at
    session.flush()
    kind = "complaint.resolved" if d.type in COMPLAINT_TYPES else "dispute.resolved"
    append(session, kind, actor=actor, loan_id=d.loan_id, borrower_id=d.borrower_id, subject=f"dispute:{d.id}",
           payload={"dispute_id": d.id, "outcome": outcome, "resolved_at": at, "within_sla": at <= d.sla_due_at,
                    "resolution_sha256": sha256_hex(resolution), "released_holds": [h.id for h in released]})
    j = dispute_policy().for_(d.jurisdiction)
    b = repo.borrower_row(session, d.borrower_id)
    letter = Outbound(j.resolution_template, "letter", d.borrower_id, d.loan_id, d.case_id, "notice",
                      {"loan_ref": d.loan_id, "dispute_received_on": _local_day(d.received_at, b.timezone),
                       "dispute_outcome": outcome, "dispute_resolved_on": _local_day(at, b.timezone)},
                      f"dispute:{d.id}")
    survey = Outbound("dispute_survey", "sms", d.borrower_id, d.loan_id, d.case_id, "notice",
                      {"loan_ref": d.loan_id}, f"dispute:{d.id}")
    return ResolvedDispute(d, released, letter, survey)


def record_survey(session: Session, dispute_id: int, score: int, comment: str | None = None,
                  at: datetime | None = None) -> Dispute:
    """The borrower's satisfaction (1–5) after resolution; one survey per dispute."""
    if not 1 <= int(score) <= 5:
        raise InputError(f"survey score must be 1 to 5, not {score}")
    d = repo.get_dispute(session, dispute_id)
    if d is None:
        raise ProblemError(f"no dispute {dispute_id}")
    if d.status != "resolved":
        raise ProblemError(f"dispute {dispute_id} is not resolved yet: the survey follows the resolution")
    if d.survey_score is not None:
        raise ProblemError(f"dispute {dispute_id} was already surveyed")
    d.survey_score, d.survey_comment, d.surveyed_at = int(score), comment, at or utcnow()
    session.flush()
    append(session, "dispute.surveyed", actor=f"borrower:{d.borrower_id}", loan_id=d.loan_id,
           borrower_id=d.borrower_id, subject=f"dispute:{d.id}",
           payload={"dispute_id": d.id, "score": int(score), "comment_sha256": sha256_hex(comment) if comment else None})
    return d


def overdue_disputes(session: Session, now: datetime | None = None, limit: int = 10000) -> list[Dispute]:
    """Open disputes and complaints past their SLA due time, most overdue first (for compliance)."""
    now = now or utcnow()
    if now.tzinfo is None:
        raise InputError("now must carry a time zone offset")
    return repo.list_disputes(session, status=None, borrower_id=None, case_id=None, overdue_at=now, limit=limit)
