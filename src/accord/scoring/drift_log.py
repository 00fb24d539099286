"""Daily PSI monitoring, stored (``score_monitoring``): each day the book is scored, the PSI of the
scores and of the model's top features against its development sample is kept per (day, target,
variable) with ``ok`` / ``warn``, and a shift above 0.25 is journalled (``model.drift_warning``).

A re-run of the same day replaces that day's rows; the journal gets an event only for variables
that were not already warned about for that day and target, so re-running does not repeat it.
Services here never commit; the caller's ``session_scope`` does.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from accord.scoring.book_models import ScoreMonitoring

OK, WARN = "ok", "warn"


def record(session: Session, as_of: date, target: str, model_version: str, psi_rows: list[dict],
           accounts: int) -> list[dict]:
    """Replace the day's monitoring rows for ``target`` with ``psi_rows`` (``name``, ``kind``,
    ``psi``, ``warning`` as ``monitoring.drift`` gives them); journal new warnings. Returns the
    stored rows as dicts."""
    from accord.journal.service import append

    before = set(session.scalars(select(ScoreMonitoring.variable).where(
        ScoreMonitoring.as_of == as_of, ScoreMonitoring.target == target, ScoreMonitoring.status == WARN)))
    session.execute(delete(ScoreMonitoring).where(ScoreMonitoring.as_of == as_of, ScoreMonitoring.target == target))
    rows = [ScoreMonitoring(as_of=as_of, target=target, variable=r["name"], kind=r["kind"],
                            model_version=model_version, psi=float(r["psi"]),
                            status=WARN if r["warning"] else OK, accounts=int(accounts)) for r in psi_rows]
    session.add_all(rows)
    session.flush()
    fresh = [r for r in rows if r.status == WARN and r.variable not in before]
    if fresh:
        append(session, "model.drift_warning", subject=f"model:{model_version}", payload={
            "as_of": as_of.isoformat(), "target": target, "model_version": model_version,
            "accounts": int(accounts), "threshold": 0.25,
            "variables": [{"variable": r.variable, "kind": r.kind, "psi": round(r.psi, 4)} for r in fresh]})
    return [_plain(r) for r in rows]


def history(session: Session, target: str, first: date | None = None, last: date | None = None) -> list[dict]:
    """The stored monitoring rows of ``target`` between ``first`` and ``last`` (inclusive, either
    open), by day, then the score before features, then variable."""
    q = select(ScoreMonitoring).where(ScoreMonitoring.target == target)
    if first is not None:
        q = q.where(ScoreMonitoring.as_of >= first)
    if last is not None:
        q = q.where(ScoreMonitoring.as_of <= last)
    rows = [_plain(r) for r in session.scalars(q)]
    return sorted(rows, key=lambda r: (r["as_of"], r["kind"] != "score", r["variable"]))


def history_frame(rows: list[dict]) -> pl.DataFrame:
    """The rows of ``history`` as a frame (one column per field; empty with the same columns)."""
    schema = {"as_of": pl.String, "target": pl.String, "model_version": pl.String, "variable": pl.String,
              "kind": pl.String, "psi": pl.Float64, "status": pl.String, "accounts": pl.Int64}
    return pl.DataFrame(rows, schema=schema)


def _plain(r: ScoreMonitoring) -> dict:
    return {"as_of": r.as_of.isoformat(), "target": r.target, "model_version": r.model_version,
            "variable": r.variable, "kind": r.kind, "psi": r.psi, "status": r.status, "accounts": r.accounts}
