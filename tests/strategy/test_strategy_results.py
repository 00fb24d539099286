"""Champion / challenger results: interval maths checked by hand, and the per-arm table built from a
real run of the pipeline."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from accord.strategy.results import arm_frame, two_proportion_p, wilson


def test_wilson_interval_matches_the_textbook_value():
    lo, hi = wilson(30, 100)  # 30 % of 100: Wilson 95 % = 21.9 %–39.6 %
    assert lo == pytest.approx(0.2189, abs=1e-3) and hi == pytest.approx(0.3958, abs=1e-3)
    assert wilson(0, 0) == (0.0, 0.0)


def test_two_proportion_test():
    assert two_proportion_p(50, 100, 50, 100) == pytest.approx(1.0)
    assert two_proportion_p(60, 100, 40, 100) == pytest.approx(0.0047, abs=5e-4)  # z = 2.83


def test_arm_frame_compares_challengers_with_the_champion():
    acc = pl.DataFrame({"arm": ["champion"] * 4 + ["gentle"] * 2, "cured": [True, True, False, False, True, True],
                        "collected": [100.0, 50.0, 0.0, 0.0, 80.0, 20.0], "contacts": [2, 1, 3, 3, 1, 1],
                        "cost": [0.08, 0.04, 5.2, 5.2, 0.04, 0.04], "complaints": [0, 0, 1, 0, 0, 0]})
    champ, gentle = arm_frame(acc)
    assert (champ.arm, champ.accounts, champ.cured, champ.cure_rate, champ.contacts, champ.complaints) == \
        ("champion", 4, 2, 0.5, 9, 1)
    assert champ.collected_per_account == pytest.approx(37.5) and champ.cure_diff_vs_champion is None
    assert gentle.cure_diff_vs_champion == pytest.approx(0.5) and 0 < gentle.p_value < 1


def test_results_from_a_real_run(db_url, accord):
    from accord.batch.pipeline import run_pipeline
    from accord.kit.db import session_scope
    from accord.simulation.service import load_demo
    from accord.strategy.results import experiment_accounts

    with session_scope(db_url) as s:
        load_demo(s, 1500, 4, date(2026, 6, 30))
    for d in range(1, 8):
        run_pipeline(date(2026, 6, d), db_url)
    with session_scope(db_url) as s:
        acc = experiment_accounts(s, "default-ladder-2026", date(2026, 6, 7))
    assert acc.height > 0 and set(acc["arm"].unique()) <= {"champion", "gentle_m1"}
    res = accord("strategy", "results", "default-ladder-2026", "--format", "json", db=db_url)
    assert res.code == 0, res
    arms = {a["arm"]: a for a in res.json()["arms"]}
    assert "champion" in arms and arms["champion"]["accounts"] == int((acc["arm"] == "champion").sum())
    assert accord("strategy", "results", "no-such-experiment", db=db_url).code == 1
