"""With a champion model registered, the daily run scores the book and the planner's risk bands come
from the model's probabilities instead of the rule-based ones."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from accord.batch.pipeline import run_pipeline
from accord.kit.db import session_scope
from accord.kit.migrate import upgrade
from accord.scoring.book import decision_days, demo_history, read_scores, train_target
from accord.scoring.registry import register
from accord.strategy.accounts import load_accounts

LAST = date(2026, 6, 30)


def test_registered_champion_drives_score_bands(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'book.db'}"
    upgrade(url)
    demo_history(url, 2500, 3, first_run=date(2026, 4, 30), last_run=LAST, snapshot_from=date(2026, 3, 1))
    with session_scope(url) as s:
        result, _ = train_target(s, "roll", decision_days(date(2026, 3, 1), date(2026, 5, 31)),
                                 out_dir=tmp_path / "roll", kind="scorecard")
    registry = tmp_path / "registry"
    register(registry, tmp_path / "roll")
    from accord.config import get_settings

    monkeypatch.setenv("ACCORD_MODEL_REGISTRY", str(registry))
    monkeypatch.setenv("ACCORD_RISK_TARGET", "roll")
    get_settings.cache_clear()
    try:
        day = LAST + timedelta(days=1)
        report = run_pipeline(day, url)
        assert report.steps["scores"]["scored"] > 0 and report.steps["scores"]["target"] == "roll"
        with session_scope(url) as s:
            scores = read_scores(s, day, "roll")
            acc = load_accounts(s, day)
        assert scores.height == report.steps["scores"]["scored"]
        banded = acc.join(scores.select("loan_pk", pl.col("p_bad").alias("model_p")), on="loan_pk")
        expect = banded.select(pl.when(pl.col("model_p") >= 0.5).then(pl.lit("high"))
                               .when(pl.col("model_p") >= 0.2).then(pl.lit("medium")).otherwise(pl.lit("low")))
        assert banded["score_band"].to_list() == expect.to_series().to_list()
    finally:
        get_settings.cache_clear()
