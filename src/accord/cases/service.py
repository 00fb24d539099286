"""Collection cases: the vectorised daily sync from the delinquency snapshot, manual closing, reads
and the case timeline. This module is also the feature's front door: the hold, promise and dispute
services are re-exported here, so other features call ``accord.cases.service.<name>``.

Nothing here commits: the command, request or daily run does.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.cases import repository as repo
from accord.cases.dispute_service import (OpenedDispute, ResolvedDispute, open_dispute,  # noqa: F401
                                          overdue_disputes, record_survey, resolve_dispute)
from accord.cases.hold_service import active_holds, gate_facts, open_hold, release_hold  # noqa: F401
from accord.cases.lifecycle import GONE_SCHEMA, plan_sync
from accord.cases.models import Case
from accord.cases.promise_service import (Judgement, RecordedPromise, cancel_promise, due_reminders,  # noqa: F401
                                          judge_promises, record_promise)
from accord.cases.rules import CLOSE_REASONS, one_of
from accord.cases.views import dispute_view, hold_view, promise_view
from accord.journal.service import Event, append, append_many
from accord.kit.errors import ProblemError


def last_sync(session: Session) -> date | None:
    from accord.journal.models import JournalEntry as J

    subject = session.scalar(select(func.max(J.subject)).where(J.kind == "cases.synced"))
    return date.fromisoformat(subject.split(":", 1)[1]) if subject else None


def sync_cases(session: Session, as_of: date, actor: str = "batch") -> dict:
    """Open, move and close cases so they match the delinquency snapshot of ``as_of``; returns counts.

    Columnar: one read of the snapshot rows that matter, a pure plan (``lifecycle.plan_sync``), bulk
    writes, and the journal events (``case.opened`` / ``case.closed`` each, ``cases.synced`` with the
    counts and a digest) in one bulk append. Re-running the same day changes nothing.
    """
    last = last_sync(session)
    if last is not None and as_of < last:
        raise ProblemError(f"--as-of {as_of} is before the last case sync ({last}); syncs only go forward")
    if not repo.has_snapshot(session, as_of) and repo.open_loan_count(session) > 0:
        raise ProblemError(f"there is no delinquency snapshot for {as_of}; run `accord run --as-of {as_of}` first")
    snap = repo.snapshot_for_sync(session, as_of)
    cases = repo.open_cases_frame(session)
    missing = cases.join(snap.select("loan_pk"), on="loan_pk", how="anti")["loan_pk"].to_list()
    gone = repo.loans_state(session, missing) if missing else pl.DataFrame(schema=GONE_SCHEMA)
    plan = plan_sync(snap, cases, gone, as_of, _pre_due(session, as_of))
    counts = plan.counts()
    if not (plan.to_open.height or plan.to_update.height or plan.to_close.height):
        return {**counts, "as_of": as_of.isoformat(), "changed": False}

    # Close first: the partial unique index allows one open case per loan.
    if plan.to_close.height:
        repo.update_cases(session, plan.to_close.select(
            "id", pl.lit("closed").alias("status"), pl.col("closed_on").cast(pl.Date),
            "close_reason", pl.lit(as_of).alias("updated_on")))
    if plan.to_update.height:
        repo.update_cases(session, plan.to_update.select("id", "stage", "bucket", "dpd",
                                                         pl.lit(as_of).alias("updated_on")))
    opened: dict[int, int] = {}
    if plan.to_open.height:
        repo.insert_cases(session, plan.to_open.select(
            "loan_pk", "loan_id", "borrower_id", pl.lit(as_of).alias("opened_on"), "stage",
            "bucket", "dpd", pl.lit("queue").alias("owner_kind"), pl.lit("default").alias("owner_id"),
            pl.lit("open").alias("status"), pl.lit(0).alias("broken_promises"), pl.lit(as_of).alias("updated_on")))
        opened = repo.open_case_ids(session, plan.to_open["loan_pk"].to_list())

    day = as_of.isoformat()  # ISO text in payloads: cheaper to serialise than dates, 100,000 times
    events = [Event("case.opened", {"case_id": opened[pk], "opened_on": day, "dpd": dpd, "bucket": bucket,
                                    "stage": stage},
                    actor=actor, loan_id=lid, borrower_id=bid, subject=f"case:{opened[pk]}")
              for pk, lid, bid, dpd, bucket, stage in plan.to_open.select(
                  "loan_pk", "loan_id", "borrower_id", "dpd", "bucket", "stage").iter_rows()]
    events += [Event("case.closed", {"case_id": cid, "close_reason": reason, "closed_on": on},
                     actor=actor, loan_id=lid, borrower_id=bid, subject=f"case:{cid}")
               for cid, lid, bid, reason, on in plan.to_close.select(
                   "id", "loan_id", "borrower_id", "close_reason",
                   pl.col("closed_on").cast(pl.String)).iter_rows()]
    events.append(Event("cases.synced", {"as_of": as_of, "counts": counts, "digest": plan.digest()},
                        actor=actor, subject=f"cases:{as_of.isoformat()}"))
    append_many(session, events)
    return {**counts, "as_of": as_of.isoformat(), "changed": True}


def _pre_due(session: Session, as_of: date) -> pl.DataFrame:
    """Current loans with an installment due within the pre-due days, each marked at risk or not (the
    day's pre-due model score where there is one, else the policy's rule)."""
    from accord.cases.lifecycle import pre_due_risk
    from accord.cases.policy import pre_due_policy

    p = pre_due_policy()
    cands = repo.pre_due_candidates(session, as_of, p.days_before, p.last_installments)
    return pre_due_risk(cands, repo.pre_due_scores(session, as_of), threshold=p.threshold,
                        late_of_last=p.late_of_last, partial_payment=p.partial_payment)


def close_case(session: Session, case_id: int, reason: str, *, actor: str, on: date) -> Case:
    """Close a case by hand (settled, written off, ...); journalled as ``case.closed``."""
    one_of(reason, CLOSE_REASONS, "close reason")
    case = get_case(session, case_id)
    if case.status != "open":
        raise ProblemError(f"case {case_id} is already closed ({case.close_reason}, {case.closed_on})")
    case.status, case.close_reason, case.closed_on, case.updated_on = "closed", reason, on, on
    session.flush()
    append(session, "case.closed", actor=actor, loan_id=case.loan_id, borrower_id=case.borrower_id,
           subject=f"case:{case.id}", payload={"case_id": case.id, "close_reason": reason, "closed_on": on})
    return case


def get_case(session: Session, case_id: int) -> Case:
    case = repo.get_case(session, case_id)
    if case is None:
        raise ProblemError(f"no case {case_id}")
    return case


def list_cases(session: Session, *, status: str | None = "open", stage: str | None = None,
               borrower_id: str | None = None, loan_id: str | None = None, limit: int = 100,
               offset: int = 0) -> list[Case]:
    return repo.list_cases(session, status=status, stage=stage, borrower_id=borrower_id, loan_id=loan_id,
                           limit=limit, offset=offset)


def _at(v: datetime) -> str:
    return v.isoformat()


def timeline(session: Session, case_id: int) -> list[dict]:
    """Everything that happened on the case's loan (and to its borrower outside other loans), oldest
    first: journal events (payments, contacts, gate decisions, replies, ...) merged with the current
    state of the case's promises, disputes and holds (under ``item``)."""
    case = get_case(session, case_id)
    items = [{"at": _at(e.at), "source": "journal", "kind": e.kind, "seq": e.seq, "actor": e.actor,
              "subject": e.subject, "payload": json.loads(e.payload)}
             for e in repo.journal_for(session, case.loan_id, case.borrower_id)]
    items += [{"at": _at(p.taken_at), "source": "promise", "kind": f"promise.{p.status}", "item": promise_view(p)}
              for p in repo.list_promises(session, status=None, case_id=None, loan_id=case.loan_id,
                                          borrower_id=None, limit=10000)]
    items += [{"at": _at(d.received_at), "source": "dispute", "kind": f"dispute.{d.status}", "item": dispute_view(d)}
              for d in repo.disputes_for(session, case.loan_id, case.borrower_id)]
    items += [{"at": _at(h.opened_at), "source": "hold", "kind": "hold.active" if h.released_at is None
               else "hold.released", "item": hold_view(h)}
              for h in repo.holds(session, borrower_id=case.borrower_id, case_id=case.id, loan_id=case.loan_id)]
    order = {"journal": 0, "promise": 1, "dispute": 2, "hold": 3}
    return sorted(items, key=lambda i: (i["at"], order[i["source"]], i.get("seq") or 0))
