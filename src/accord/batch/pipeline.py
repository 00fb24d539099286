"""The whole daily run: ledger & delinquency → arrangements → promises judged → scores (when a champion
model is registered) → cases opened/closed (pre-due cases from the pre-due score) → preferred contact
hours learnt → segments and steps → send times → batch compliance gate → actions (planned / blocked) →
outbox.

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

# Scores before cases: a pre-due case opens on the day's pre-due model score (cases.service.sync_cases).
STEPS = ("ledger", "arrangements", "promises", "scores", "cases", "hours", "plan", "outbox")


@dataclass
class PipelineReport:
    as_of: date
    ledger: RunReport | None = None
    steps: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)  # step -> peak RSS MiB during the step (Linux), else None
    skipped: list = field(default_factory=list)


def _reset_peak() -> None:
    """Reset this process's peak RSS (Linux: VmHWM), so each step reports its own peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_mib() -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


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


def _step_arrangements(session: Session, as_of: date, ctx: dict) -> dict:
    """Arrangements judged after the ledger: breaks, completions, expiries; plan instalment reminders."""
    from accord.arrangements.monitoring import monitor
    from accord.outbox.notices import send_notices

    counts, reminders = monitor(session, as_of)
    sent = send_notices(session, reminders, actor="batch", send_on=as_of)
    counts["reminders_queued"] = sum(1 for r in sent if r["message_id"] is not None)
    return counts


def _step_cases(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.agencies.service import advance_placements
    from accord.cases.service import sync_cases

    out = sync_cases(session, as_of)
    # Agency placements follow the synced cases: hand-overs due today (CN-OUT-01 notice sent N days
    # ago), returns of closed cases, expiries.
    out["placements"] = advance_placements(session, as_of)
    return out


def _step_scores(session: Session, as_of: date, ctx: dict) -> dict:
    """Score the open book with the registered champion, when there is one (else rule-based bands)."""
    from accord.config import get_settings
    from accord.kit.errors import ProblemError

    settings = get_settings()
    if not settings.model_registry:
        return {"skipped": "no model registry configured (ACCORD_MODEL_REGISTRY)"}
    from accord.scoring.book import score_book
    from accord.scoring.registry import champion

    out: dict = {}
    # The risk target's champion gives the strategy's score bands; a registered pre-due champion
    # scores the book too, and its scores open pre-due cases (the cases step runs next).
    for target in dict.fromkeys((settings.risk_target, "pre_due")):
        try:
            model_dir = champion(settings.model_registry, target)
        except ProblemError as exc:
            if target == settings.risk_target:
                out["skipped"] = str(exc)
            continue
        r = score_book(session, as_of, model_dir, target)
        if target == settings.risk_target:
            out.update(target=r.target, model=r.model_version, scored=r.rows, psi_warnings=len(r.warnings))
        else:
            out.update(pre_due_model=r.model_version, pre_due_scored=r.rows)
    return out


def _step_hours(session: Session, as_of: date, ctx: dict) -> dict:
    """Borrowers' preferred contact hours learnt from the contact history since the last run."""
    from accord.strategy.hours_service import learn_hours

    return learn_hours(session, as_of)


def _step_plan(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.batch.collection import plan_and_gate

    return plan_and_gate(session, as_of, ctx.get("strategy"))


def _step_outbox(session: Session, as_of: date, ctx: dict) -> dict:
    from accord.batch.collection import queue_actions

    return queue_actions(session, as_of)


STEP_FUNCS: dict[str, Callable[[Session, date, dict], dict]] = {
    "arrangements": _step_arrangements, "promises": _step_promises, "cases": _step_cases, "scores": _step_scores, "hours": _step_hours, "plan": _step_plan,
    "outbox": _step_outbox,
}


def run_pipeline(as_of: date, url: str | None = None, snapshot_from: date | None = None, strategy=None,  # noqa: ANN001
                 progress: Callable[[str], None] | None = None, only_ledger: bool = False) -> PipelineReport:
    report = PipelineReport(as_of)
    say = progress or (lambda _s: None)
    say("ledger and delinquency")
    t = time.perf_counter()
    _reset_peak()
    with session_scope(url) as s:
        report.ledger = run_day(s, as_of, snapshot_from=snapshot_from)
    report.timings["ledger"] = time.perf_counter() - t
    report.memory["ledger"] = _peak_mib()
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
            _reset_peak()
            result = STEP_FUNCS[step](s, as_of, ctx)
            report.steps[step] = result
            run.steps = {**(run.steps or {}), "done": [*done, step], step: result}
        # Timed to after the commit: on a large day the commit is part of the step's cost.
        report.timings[step] = time.perf_counter() - t
        report.memory[step] = _peak_mib()
    return report
