"""Scoring Accord's own book: history for the demo portfolio, training on it, and the daily batch
scoring of every open loan with the champion model (stored in ``scores`` with the model version),
with PSI monitoring of the scores and top features against the development sample (stored in
``score_monitoring``, see ``drift_log``).

Services here never commit; the caller's ``session_scope`` does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import delete
from sqlalchemy.orm import Session

from accord.kit.errors import InputError, ProblemError

log = logging.getLogger(__name__)

# Never model features: keys, and the decision date (the time column of the out-of-time split).
NOT_FEATURES = ("loan_pk", "borrower_id")


@dataclass
class ScoreReport:
    as_of: date
    target: str
    model_version: str
    rows: int
    mean_p_bad: float | None
    psi: list[dict] = field(default_factory=list)

    @property
    def warnings(self) -> list[dict]:
        return [r for r in self.psi if r["warning"]]


def demo_history(url: str, n_loans: int, seed: int, first_run: date = date(2026, 1, 31),
                 last_run: date = date(2026, 6, 30), snapshot_from: date | None = None) -> dict:
    """Load the demo portfolio (payments up to ``last_run``) and run the daily cycle twice: once on
    ``first_run`` (snapshots from ``snapshot_from``, default that day only) and daily up to
    ``last_run``. Each step commits (the run reads committed state), so this takes a database URL
    like a command does. Returns the counts of the load."""
    from accord.batch.service import run_day
    from accord.kit.db import session_scope
    from accord.simulation.service import load_demo

    with session_scope(url) as session:
        counts = load_demo(session, n_loans, seed, last_run)
    with session_scope(url) as session:
        run_day(session, first_run, snapshot_from=snapshot_from)
    with session_scope(url) as session:
        run_day(session, last_run)
    return counts


def decision_days(first: date, last: date, every: int = 1) -> list[date]:
    return [first + timedelta(days=i) for i in range(0, (last - first).days + 1, every)]


def train_target(session: Session, target: str, decision_dates: list[date], out_dir: str | Path | None = None,
                 kind: str | None = None, options=None):  # noqa: ANN001, ANN201
    """Stack a point-in-time training table for ``target`` over the decision dates, train with the
    scoring package (out-of-time split on ``decision_date``) and save the model when ``out_dir``
    is given. Returns ``(TrainResult, table)``."""
    from accord.scoring.registry import save_model
    from accord.scoring.targets import training_table
    from accord.scoring.training import TrainOptions, train

    table = training_table(session, decision_dates, target)
    opt = options or TrainOptions(kind=kind, time_column="decision_date")
    if opt.time_column is None:
        opt.time_column = "decision_date"
    frame = table.drop(*NOT_FEATURES, "recovery_share", strict=False)
    result = train(frame, target, "loan_id", opt, source=f"book:{target}")
    if out_dir is not None:
        save_model(result.model, out_dir)
    return result, table


def resolve_model(model_dir: str | Path, target: str | None = None):  # noqa: ANN201
    """A model directory, or a registry root plus a target (its champion)."""
    from accord.scoring import registry

    path = Path(model_dir)
    if (path / "model.json").exists():
        return registry.load_model(path)
    if target is None:
        raise InputError(f"{path}: not a model directory; name a --target to use its champion from this registry")
    return registry.load_champion(path, target)


def score_book(session: Session, as_of: date, model_dir: str | Path, target: str | None = None,
               features: pl.DataFrame | None = None) -> ScoreReport:
    """Score every loan open on ``as_of`` with the model (or the registry's champion for
    ``target``), replace that day's scores for the target in ``scores`` in bulk, and compute PSI of
    the scores and the model's top features against its development sample, stored in
    ``score_monitoring`` (warning above 0.25, journalled)."""
    from accord.scoring import drift_log
    from accord.scoring.book_features import build_features
    from accord.scoring.model import score_frame

    model = resolve_model(model_dir, target)
    target = target or model.target
    feats = features if features is not None else build_features(session, as_of)
    if feats.height == 0:
        raise ProblemError(f"no open loans on {as_of} to score")
    if model.id_column not in feats.columns:
        raise InputError(f"model {model.version} identifies rows by {model.id_column!r}, which the book's "
                         f"feature table does not have")
    scored = score_frame(model, feats, source=f"book {as_of}")
    rows = _score_rows(feats, scored, as_of, target, model)
    _replace_scores(session, rows, as_of, target)
    psi = monitor(model, feats, scored["p_bad"].to_numpy())
    drift_log.record(session, as_of, target, model.version, psi, rows.height)
    report = ScoreReport(as_of, target, model.version, rows.height,
                         float(scored["p_bad"].mean()) if scored.height else None, psi)
    for w in report.warnings:
        log.warning("PSI %.3f > 0.25 for %s %s (model %s, %s)", w["psi"], w["kind"], w["name"], model.version, as_of)
    return report


def monitor(model, features: pl.DataFrame, p_bad=None) -> list[dict]:  # noqa: ANN001
    """PSI rows (name, kind, psi, warning) of the scores and top features vs the development sample
    (``p_bad``: the features' scores when already computed)."""
    from accord.scoring.monitoring import drift

    return drift(model, features, new_p_bad=p_bad)


def _score_rows(feats: pl.DataFrame, scored: pl.DataFrame, as_of: date, target: str, model) -> pl.DataFrame:  # noqa: ANN001
    reason_cols = [c for c in scored.columns if c.startswith("reason_")]
    return pl.DataFrame({"loan_pk": feats["loan_pk"]}).with_columns(
        pl.lit(as_of).alias("as_of"), pl.lit(target).alias("target"), pl.lit(model.version).alias("model_version"),
        scored["p_bad"].cast(pl.Float64).alias("p_bad"), scored["score"].cast(pl.Float64).alias("score"),
        scored.select(_json_list(reason_cols).alias("r"))["r"].alias("reasons"),
    ).select("as_of", "loan_pk", "target", "model_version", "p_bad", "score", "reasons")


def _json_list(columns: list[str]) -> pl.Expr:
    """A JSON array of the non-null reason names, built columnar (``score_frame`` puts nulls last;
    feature names need no escaping beyond quotes). Plain string concatenation: list columns cost
    about ten times more for a million rows."""
    if not columns:
        return pl.lit("[]")
    names = [pl.col(c).str.replace_all('"', "'", literal=True) for c in columns]
    parts = [names[0]] + [pl.when(n.is_not_null()).then(pl.lit('", "') + n) for n in names[1:]]
    joined = pl.concat_str([pl.lit('["'), *parts, pl.lit('"]')], ignore_nulls=True)
    return pl.when(pl.col(columns[0]).is_null()).then(pl.lit("[]")).otherwise(joined)


def _replace_scores(session: Session, rows: pl.DataFrame, as_of: date, target: str) -> None:
    """Idempotent per (day, target): a re-run replaces that day's scores, never duplicates them."""
    from accord.kit.frames import bulk_insert
    from accord.scoring.book_models import Score

    session.execute(delete(Score).where(Score.as_of == as_of, Score.target == target))
    session.flush()
    bulk_insert(session, "scores", rows)


def read_scores(session: Session, as_of: date, target: str) -> pl.DataFrame:
    """The stored scores of one day and target (loan_pk, model_version, p_bad, score, reasons)."""
    from accord.kit.frames import read_frame, reader

    with reader(session) as conn:
        return read_frame(conn, f"""
            SELECT loan_pk, model_version, p_bad, score, reasons FROM scores
            WHERE as_of = '{as_of.isoformat()}' AND target = '{target.replace("'", "''")}' ORDER BY loan_pk""")
