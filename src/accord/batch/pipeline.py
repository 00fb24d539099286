"""The whole daily run: ledger & delinquency → promises judged → cases opened/closed → scores (when a champion model is
registered) → segments and
steps → send times → batch compliance gate → actions (planned / blocked) → outbox.

Each step commits on its own and is recorded in the run's ``steps``, so an interrupted run resumes at
the first unfinished step and a finished day is a no-op: nothing is planned or queued twice (action
ids and outbox idempotency keys are deterministic per day, loan and ladder step as a second guard).
The collection steps plan for the as-of date only: contacts for days already past are not sent late.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from accord.batch.models import Run
from accord.batch.service import RunReport, run_day
from accord.kit.db import session_scope

STEPS = ("ledger", "promises", "cases", "scores", "plan", "outbox")


@dataclass
class PipelineReport:
    as_of: date
    ledger: RunReport | None = None
    steps: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)


def _has(session: Session, table: str) -> bool:
    return inspect(session.get_bind()).has_table(table)


def _step_promises(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.cases.promise_service import due_reminders, judge_promises
    from accord.outbox.notices import send_notices

    j = judge_promises(session, as_of)
    out = {k: int(v) for k, v in j.counts.items() if isinstance(v, (int, float))}
    # Reminders the day before a promised date, sent in the morning of the borrower's day.
    sent = send_notices(session, due_reminders(session, as_of), actor="batch", send_on=as_of)
    out["promise_reminders"] = sum(1 for r in sent if r["message_id"] is not None)
    return out


def _step_cases(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.cases.service import sync_cases

    return sync_cases(session, as_of)


def _step_scores(session: Session, as_of: date, ctx: dict) -> dict:
    """Score the open book with the registered champion, when there is one (else rule-based bands)."""
    from accord.config import get_settings
    from accord.kit.errors import ProblemError

    settings = get_settings()
    if not settings.model_registry:
        return {"skipped": "no model registry configured (ACCORD_MODEL_REGISTRY)"}
    from accord.scoring.book import score_book
    from accord.scoring.registry import champion

    try:
        model_dir = champion(settings.model_registry, settings.risk_target)
    except ProblemError as exc:
        return {"skipped": str(exc)}
    r = score_book(session, as_of, model_dir, settings.risk_target)
    return {"target": r.target, "model": r.model_version, "scored": r.rows, "psi_warnings": len(r.warnings)}


def _step_plan(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.batch.collection import plan_and_gate

    return plan_and_gate(session, as_of, ctx.get("strategy"))


def _step_outbox(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.batch.collection import queue_actions

    return queue_actions(session, as_of)


STEP_FUNCS: dict[str, Callable[[Session, date, dict], dict]] = {
    "promises": _step_promises, "cases": _step_cases, "scores": _step_scores, "plan": _step_plan,
    "outbox": _step_outbox,
}


def run_pipeline(as_of: date, url: str | None = None, snapshot_from: date | None = None, strategy=None,  # noqa: ANN001
                 progress: Callable[[str], None] | None = None, only_ledger: bool = False) -> PipelineReport:
    report = PipelineReport(as_of)
    say = progress or (lambda _s: None)
    say("ledger and delinquency")
    t = time.perf_counter()
    with session_scope(url) as s:
        report.ledger = run_day(s, as_of, snapshot_from=snapshot_from)
    report.timings["ledger"] = time.perf_counter() - t
    if only_ledger:
        return report
    ctx = {"strategy": strategy}
    for step in STEPS[1:]:
        with session_scope(url) as s:
            run = s.get(Run, as_of)
            done = list((run.steps or {}).get("done", []))
            if step in done:
                report.skipped.append(step)
                continue
            say(step)
            t = time.perf_counter()
            result = STEP_FUNCS[step](s, as_of, ctx)
            report.timings[step] = time.perf_counter() - t
            report.steps[step] = result
            run.steps = {**(run.steps or {}), "done": [*done, step], step: result}
    return report
