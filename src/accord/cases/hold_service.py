"""Holds on collection (dispute, cease, opt-out, legal, vulnerability, bankruptcy, attorney, mental
capacity): open, release, and the bulk read the daily run and the gate's context builder use.
Every change is journalled in the caller's transaction; nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy.orm import Session

from accord.cases import repository as repo
from accord.cases.models import Hold
from accord.cases.rules import FORMS, HOLD_KINDS, one_of
from accord.journal.service import append
from accord.kit.crypto import sha256_hex
from accord.kit.errors import InputError, ProblemError
from accord.kit.timeutil import utcnow


def open_hold(session: Session, borrower_id: str, kind: str, *, form: str = "written", reason: str | None = None,
              source: str = "agent", case_id: int | None = None, loan_id: str | None = None,
              actor: str = "system", at: datetime | None = None) -> Hold:
    """Open a hold (or return the same still-active hold from the same source: replies are re-read)."""
    one_of(kind, HOLD_KINDS, "hold kind")
    one_of(form, FORMS, "hold form")
    if at is not None and at.tzinfo is None:
        raise InputError("hold opened_at must carry a time zone offset")
    if repo.borrower_row(session, borrower_id) is None:
        raise ProblemError(f"no borrower {borrower_id!r}")
    if case_id is not None:
        case = repo.get_case(session, case_id)
        if case is None or case.borrower_id != borrower_id:
            raise ProblemError(f"case {case_id} does not exist or is not borrower {borrower_id}'s")
        loan_id = loan_id or case.loan_id
    if loan_id is not None:
        row = repo.loan_row(session, loan_id)
        if row is None or row.borrower_id != borrower_id:
            raise ProblemError(f"loan {loan_id!r} does not exist or is not borrower {borrower_id}'s")
    for h in repo.holds(session, borrower_id=borrower_id, active_only=True, source=source):
        if h.kind == kind and h.loan_id == loan_id:
            return h
    hold = Hold(borrower_id=borrower_id, case_id=case_id, loan_id=loan_id, kind=kind, form=form,
                opened_at=at or utcnow(), reason=reason, source=source)
    session.add(hold)
    session.flush()
    append(session, "hold.opened", actor=actor, loan_id=loan_id, borrower_id=borrower_id, subject=f"hold:{hold.id}",
           payload={"hold_id": hold.id, "kind": kind, "form": form, "source": source, "case_id": case_id,
                    "opened_at": hold.opened_at, "reason_sha256": sha256_hex(reason) if reason else None})
    if kind == "legal":
        # The send-time gate knows cease, dispute and the flags; a legal hold it does not see, so
        # messages already queued for the loan are withdrawn here.
        from accord.outbox.service import cancel_waiting

        cancel_waiting(session, borrower_id=borrower_id, loan_id=loan_id, reason=f"legal hold {hold.id}", actor=actor)
    return hold


def release_hold(session: Session, hold_id: int, *, reason: str | None = None, actor: str = "system",
                 at: datetime | None = None) -> Hold:
    """Release an active hold; releasing twice is a reported problem."""
    hold = session.get(Hold, hold_id)
    if hold is None:
        raise ProblemError(f"no hold {hold_id}")
    if hold.released_at is not None:
        raise ProblemError(f"hold {hold_id} was already released on {hold.released_at.isoformat()}")
    at = at or utcnow()
    if at.tzinfo is None:
        raise InputError("hold released_at must carry a time zone offset")
    if at < hold.opened_at:
        raise InputError(f"hold {hold_id} cannot be released before it was opened ({hold.opened_at.isoformat()})")
    hold.released_at, hold.release_reason = at, reason
    session.flush()
    append(session, "hold.released", actor=actor, loan_id=hold.loan_id, borrower_id=hold.borrower_id,
           subject=f"hold:{hold.id}", payload={"hold_id": hold.id, "kind": hold.kind, "released_at": at,
                                               "reason_sha256": sha256_hex(reason) if reason else None})
    return hold


def release_by_source(session: Session, source: str, *, reason: str | None, actor: str,
                      at: datetime | None = None) -> list[Hold]:
    """Release every active hold opened from ``source`` (a dispute's holds end with it)."""
    return [release_hold(session, h.id, reason=reason, actor=actor, at=at)
            for h in repo.holds(session, source=source, active_only=True)]


def active_holds(session: Session, borrower_ids: Sequence[str] | None = None,
                 at: datetime | None = None) -> pl.DataFrame:
    """Holds active now (or at ``at``) for these borrowers (all borrowers when None), as a frame:
    hold_id, borrower_id, kind, form, loan_id, case_id, opened_at, source. One query per 5,000 ids.
    A hold with a null loan_id covers all the borrower's loans."""
    return repo.active_holds_frame(session, borrower_ids, at)


# Hold kinds → the borrower flags of the compliance gate's input (contracts.md "Compliance check").
_FLAGS = {"vulnerability": "vulnerable", "bankruptcy": "bankruptcy", "attorney": "attorney_represented",
          "mental_capacity": "mental_capacity_concern"}


def gate_facts(holds: pl.DataFrame) -> dict[str, dict]:
    """Per borrower, the parts of the gate's ``borrower`` input that holds supply: ``flags``,
    ``cease_requests`` and ``disputes`` (a dispute hold exists only where the pack requires one, so it
    is reported as blocking). Legal and opt-out holds have no gate field: the daily run skips held
    accounts itself, and opt-outs per channel live on contact points."""
    out: dict[str, dict] = {}
    for r in holds.iter_rows(named=True):
        b = out.setdefault(r["borrower_id"], {"flags": [], "cease_requests": [], "disputes": [], "holds": []})
        b["holds"].append(r["kind"])
        at = r["opened_at"].isoformat()
        if r["kind"] in _FLAGS and _FLAGS[r["kind"]] not in b["flags"]:
            b["flags"].append(_FLAGS[r["kind"]])
        elif r["kind"] == "cease":
            b["cease_requests"].append({"received_at": at, "form": r["form"]})
        elif r["kind"] == "dispute":
            b["disputes"].append({"received_at": at, "form": r["form"], "within_validation_period": True,
                                  "resolved_at": None})
    return out
