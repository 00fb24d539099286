"""Training on the demo book's own history, segments vs the hidden traits, batch scoring of the book."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest
from scipy.stats import spearmanr
from sqlalchemy import text

from accord.kit.db import session_scope
from accord.kit.errors import InputError
from accord.kit.migrate import upgrade
from accord.scoring import drift_log
from accord.scoring.book import decision_days, demo_history, read_scores, score_book, train_target
from accord.scoring.training import TrainOptions

SNAP_FROM = date(2025, 10, 1)
LAST = date(2026, 6, 30)


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> str:
    """12,000 demo loans with daily snapshots from October to June (SQLite): enough M1 entries for an
    out-of-time validation set with a few dozen bad outcomes."""
    url = f"sqlite:///{tmp_path_factory.mktemp('book') / 'book.db'}"
    upgrade(url)
    demo_history(url, 12000, 5, snapshot_from=SNAP_FROM, last_run=LAST)
    return url


@pytest.fixture(scope="module")
def roll_model(book, tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "roll"
    with session_scope(book) as s:
        result, table = train_target(s, "roll", decision_days(date(2026, 1, 1), date(2026, 5, 31), every=3), out,
                                     options=TrainOptions(kind="gbm", time_column="decision_date"))
    return out, result, table


def _traits(url: str) -> pl.DataFrame:
    with session_scope(url) as s:
        rows = s.execute(text("SELECT borrower_id, ability, willingness FROM sim_borrower_traits")).all()
    return pl.DataFrame(rows, schema=["borrower_id", "t_ability", "t_willingness"], orient="row")


def test_roll_model_trained_on_the_book_validates_out_of_time(roll_model):
    _, result, table = roll_model
    meta = result.model.meta
    assert meta["target"] == "roll" and meta["time_column"] == "decision_date"
    assert meta["split"].startswith("out-of-time")
    names = {f["name"] for f in meta["features"]}
    assert not names & {"loan_pk", "borrower_id", "loan_id", "decision_date"}
    assert meta["metrics"]["validation"]["auc"] >= 0.75


def test_m1_cure_model_reaches_the_issue_target(book):
    with session_scope(book) as s:
        result, _ = train_target(s, "m1_cure", decision_days(SNAP_FROM, date(2026, 5, 31)), kind="gbm")
    assert result.model.meta["metrics"]["validation"]["auc"] >= 0.75


def test_segments_follow_the_hidden_traits(book):
    from accord.scoring.book_features import build_features
    from accord.scoring.segments import SEGMENTS, score_segments

    with session_scope(book) as s:
        f = build_features(s, LAST)
    seg = score_segments(f).join(f.select("loan_pk", "borrower_id"), on="loan_pk").join(_traits(book), on="borrower_id")
    assert set(seg["segment"].unique()) == set(SEGMENTS.values())
    ab = spearmanr(seg["ability"], seg["t_ability"])
    wi = spearmanr(seg["willingness"], seg["t_willingness"])
    assert ab.statistic > 0 and ab.pvalue < 0.01
    assert wi.statistic > 0 and wi.pvalue < 0.01
    means = seg.group_by("segment").agg(pl.col("t_ability").mean(), pl.col("t_willingness").mean())
    m = {r[0]: (r[1], r[2]) for r in means.rows()}
    assert sum(m["can_and_will"]) > sum(m["cant_and_wont"])


def test_score_book_stores_scores_with_the_model_version(db_url, roll_model):
    model_dir, result, _ = roll_model
    demo_history(db_url, 400, 9, first_run=date(2026, 4, 30), last_run=date(2026, 5, 31))
    as_of = date(2026, 5, 31)
    with session_scope(db_url) as s:
        report = score_book(s, as_of, model_dir)
    with session_scope(db_url) as s:
        again = score_book(s, as_of, model_dir)  # a re-run replaces, never duplicates
        n_open = s.execute(text("SELECT COUNT(*) FROM loans WHERE disbursed_on <= :d AND "
                                "(closed_on IS NULL OR closed_on > :d)"), {"d": as_of}).scalar()
    with session_scope(db_url) as s:
        stored = read_scores(s, as_of, "roll")
    assert report.rows == again.rows == stored.height == n_open
    assert set(stored["model_version"]) == {result.model.version}
    assert stored["p_bad"].is_between(0, 1).all() and stored["score"].null_count() == 0
    reasons = [json.loads(r) for r in stored["reasons"]]
    features = {f["name"] for f in result.model.meta["features"]}
    assert all(len(r) <= 3 and set(r) <= features for r in reasons) and any(reasons)
    kinds = {r["kind"] for r in report.psi}
    assert kinds == {"score", "feature"} and all(np.isfinite(r["psi"]) for r in report.psi)
    assert report.warnings == [r for r in report.psi if r["psi"] > 0.25]
    with session_scope(db_url) as s:  # the day's PSI is stored once (the re-run replaced it)
        monitored = drift_log.history(s, "roll", as_of, as_of)
    assert {m["variable"]: (m["kind"], m["status"], m["psi"]) for m in monitored} == {
        r["name"]: (r["kind"], "warn" if r["warning"] else "ok", r["psi"]) for r in report.psi}
    assert len(monitored) == len(report.psi) and {m["accounts"] for m in monitored} == {n_open}
    assert monitored[0]["variable"] == "p_bad"  # the score first, then the features


def test_a_shifted_book_is_stored_as_warn_and_journalled(db_url, roll_model, tmp_path):
    """The model's development profile says every score fell in its first decile: today's book
    cannot match, so the score's PSI is far above 0.25 — stored as ``warn`` and journalled once."""
    import shutil

    from accord.journal import repository as journal

    model_dir, result, _ = roll_model
    shifted = tmp_path / "shifted"
    shutil.copytree(model_dir, shifted)
    meta = json.loads((shifted / "model.json").read_text())
    shares = meta["reference"]["score"]["shares"]
    meta["reference"]["score"]["shares"] = [1.0] + [0.0] * (len(shares) - 1)
    (shifted / "model.json").write_text(json.dumps(meta))
    demo_history(db_url, 300, 4, first_run=date(2026, 4, 30), last_run=date(2026, 5, 31))
    for _ in range(2):
        with session_scope(db_url) as s:
            report = score_book(s, date(2026, 5, 31), shifted)
    assert report.warnings[0]["name"] == "p_bad" and report.warnings[0]["psi"] > 1
    with session_scope(db_url) as s:
        stored = {m["variable"]: m["status"] for m in drift_log.history(s, "roll")}
        events = journal.by_kind(s, "model.drift_warning")
    assert stored["p_bad"] == "warn"
    assert len(events) == 1 and events[0].subject == f"model:{result.model.version}"
    assert "p_bad" in [v["variable"] for v in json.loads(events[0].payload)["variables"]]


def test_score_book_uses_the_registered_champion(book, roll_model, tmp_path):
    from accord.scoring import registry

    model_dir, result, _ = roll_model
    root = tmp_path / "registry"
    registry.register(root, model_dir)
    with session_scope(book) as s:
        report = score_book(s, LAST, root, target="roll")
    assert report.model_version == result.model.version and report.rows > 1000
    with session_scope(book) as s, pytest.raises(InputError, match="not a model directory"):
        score_book(s, LAST, root)
