"""Scorecard and LightGBM on a synthetic table with real signal: scaling, reason codes,
protected attributes, column handling, reload and monitoring."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.kit.errors import InputError
from accord.scoring import metrics
from accord.scoring.model import score_frame
from accord.scoring.monitoring import drift, drift_warnings
from accord.scoring.registry import load_model, save_model
from accord.scoring.scaling import Scaling
from accord.scoring.training import TrainOptions, train


def test_default_scaling_arithmetic():
    s = Scaling()
    assert s.factor == pytest.approx(20 / math.log(2))  # 28.8539
    assert s.offset == pytest.approx(600 - 28.853900817779268 * math.log(50))  # 487.123
    assert s.score_from_p(1 / 51) == pytest.approx(600.0)  # odds 50:1 -> the base score
    assert s.score_from_p(1 / 101) == pytest.approx(620.0)  # double the odds -> + PDO
    assert s.odds_at(580.0) == pytest.approx(25.0)


@given(st.floats(300, 900), st.floats(1.5, 200), st.floats(5, 80), st.floats(-6, 6))
def test_pdo_doubles_the_odds_everywhere(base, odds, pdo, logit):
    s = Scaling(base, odds, pdo)
    # halving the odds of bad (logit - ln 2) adds exactly PDO points
    assert s.score_from_logit(logit - math.log(2)) - s.score_from_logit(logit) == pytest.approx(pdo)
    assert s.score_from_logit(-math.log(odds)) == pytest.approx(base)


def test_scorecard_points_sum_to_the_scaled_log_odds(trained, frame):
    model = trained["scorecard"].model
    card = model.estimator
    total, _ = card.score_and_reasons(frame)
    assert np.allclose(total, model.scaling.score_from_logit(card.raw(frame)))
    # a custom scaling is honoured end to end
    custom = train(frame, "bad", "loan_id", TrainOptions(kind="scorecard", scaling=Scaling(500, 20, 40))).model
    pts, _ = custom.estimator.score_and_reasons(frame)
    assert np.allclose(pts, 500 - 40 / math.log(2) * (custom.estimator.raw(frame) + math.log(20)))


def test_both_kinds_learn_the_signal(trained):
    for kind, result in trained.items():
        assert result.model.meta["metrics"]["validation"]["auc"] > 0.75, kind
        assert result.model.meta["kind"] == kind


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_reason_codes_point_to_the_feature_that_drives_the_score(trained, frame, kind):
    model = trained[kind].model
    rows = pl.DataFrame({"loan_id": ["risky", "safe"], "x_strong": [3.0, -3.0], "x_weak": [0.0, 0.0],
                         "x_noise": [0.0, 0.0], "region": ["south", "south"]})
    out = score_frame(model, rows)
    assert out["reason_1"][0] == "x_strong"
    assert out["p_bad"][0] > 0.8 > 0.1 > out["p_bad"][1]
    assert out["score"][0] < out["score"][1]
    # across the sample, x_strong is the top reason far more often for the worst-scored rows
    scored = score_frame(model, frame).sort("p_bad", descending=True).head(300)
    assert (scored["reason_1"] == "x_strong").mean() > 0.6


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_protected_attributes_are_never_features(trained, kind):
    meta = trained[kind].model.meta
    used = {f["name"] for f in meta["features"]}
    assert not used & {"gender", "年龄", "loan_id", "bad"}
    assert "gender" in meta["excluded"]["gender"] and "protected" in meta["excluded"]["年龄"]
    assert meta["excluded"]["loan_id"] == "id column"


def test_jurisdiction_decides_about_age(frame):
    cn = train(frame, "bad", "loan_id", TrainOptions(kind="scorecard", jurisdiction="CN")).model
    assert "年龄" in {f["name"] for f in cn.meta["features"]}  # age is allowed in CN ...
    assert "gender" in cn.meta["excluded"]  # ... gender never


def test_missing_feature_column_is_named(trained, frame):
    for result in trained.values():
        with pytest.raises(InputError, match="'x_strong' is missing"):
            score_frame(result.model, frame.drop("x_strong"))
        with pytest.raises(InputError, match="id column 'loan_id'"):
            score_frame(result.model, frame.drop("loan_id"))


def test_unseen_columns_and_categories_are_ignored(trained, frame):
    for result in trained.values():
        base = score_frame(result.model, frame.head(200))
        extra = frame.head(200).with_columns(pl.lit(7).alias("new_col"), pl.lit("x").alias("other"))
        assert score_frame(result.model, extra.select(reversed(extra.columns))).equals(base)
        odd = frame.head(5).with_columns(pl.lit("atlantis").alias("region"))
        assert score_frame(result.model, odd)["p_bad"].is_between(0, 1).all()


def test_numeric_feature_holding_text_is_an_input_error(trained, frame):
    bad = frame.head(3).with_columns(pl.col("x_strong").cast(pl.String).replace({frame["x_strong"].cast(pl.String)[0]: "n/a"}))
    with pytest.raises(InputError, match="'x_strong' must be numeric"):
        score_frame(trained["gbm"].model, bad)


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_model_directory_reload_gives_identical_scores(trained, frame, tmp_path, kind):
    model = trained[kind].model
    save_model(model, tmp_path / kind)
    again = load_model(tmp_path / kind)
    assert again.meta == model.meta
    assert score_frame(again, frame).equals(score_frame(model, frame))
    files = {p.name for p in (tmp_path / kind).iterdir()}
    assert {"model.json", "metrics.json"} <= files
    assert ({"scorecard.json", "scorecard.csv"} if kind == "scorecard" else {"gbm.txt", "gbm.json"}) <= files


def test_metadata_records_provenance(trained):
    meta = trained["gbm"].model.meta
    assert len(meta["training_data"]["sha256"]) == 64
    assert meta["rows"]["total"] == 3000 and meta["rows"]["validation"] == 750
    assert {"lightgbm", "polars", "optbinning", "scikit-learn"} <= set(meta["libraries"])
    assert meta["calibration"]["method"] == "platt"
    assert meta["created_at"].endswith("Z")


def test_calibrated_probabilities_track_observed_rates(trained):
    for result in trained.values():
        cal = result.model.validation["calibration"]
        pred = np.array([r["predicted"] for r in cal])
        obs = np.array([r["observed"] for r in cal])
        assert np.abs(pred - obs).max() < 0.12
        assert np.corrcoef(pred, obs)[0, 1] > 0.95


def test_isotonic_calibration_round_trip(frame, tmp_path):
    model = train(frame, "bad", "loan_id", TrainOptions(kind="gbm", calibration="isotonic")).model
    save_model(model, tmp_path / "iso")
    assert score_frame(load_model(tmp_path / "iso"), frame).equals(score_frame(model, frame))
    assert model.meta["calibration"]["method"] == "isotonic"


def test_out_of_time_split_validates_on_the_latest_rows(make_frame):
    frame = make_frame(2000, seed=5).with_columns(
        (pl.date(2024, 1, 1) + pl.duration(days=pl.int_range(0, 2000) // 10)).alias("opened_on"))
    model = train(frame, "bad", "loan_id", TrainOptions(kind="scorecard", time_column="opened_on")).model
    assert model.meta["split"].startswith("out-of-time on opened_on")
    assert model.meta["rows"]["validation"] == 500
    assert "opened_on" in model.meta["excluded"]


def test_psi_monitoring_warns_only_on_a_shift(trained, make_frame):
    model = trained["gbm"].model
    same = make_frame(3000, seed=11)
    assert drift_warnings(model, same) == []
    shifted = same.with_columns(pl.col("x_strong") + 1.5)
    names = {r["name"] for r in drift_warnings(model, shifted)}
    assert {"p_bad", "x_strong"} <= names
    rows = drift(model, shifted, reference=same)
    assert next(r for r in rows if r["name"] == "x_strong")["psi"] > 0.25
    assert next(r for r in rows if r["name"] == "x_noise")["psi"] < 0.1 if any(
        r["name"] == "x_noise" for r in rows) else True


def test_target_must_be_zero_or_one(frame):
    with pytest.raises(InputError, match="target column 'region'"):
        train(frame, "region", "loan_id")
    with pytest.raises(InputError, match="target column 'nope' not found"):
        train(frame, "nope", "loan_id")
    with pytest.raises(InputError, match="id column 'nope' not found"):
        train(frame, "bad", "nope")


def test_validation_auc_matches_an_independent_computation(trained, frame):
    """Metrics in the model are what the model really does on its validation rows."""
    model = trained["scorecard"].model
    p = score_frame(model, frame)["p_bad"].to_numpy()
    whole = metrics.auc(frame["bad"].to_numpy(), p)
    assert abs(whole - model.meta["metrics"]["validation"]["auc"]) < 0.05


@given(st.lists(st.lists(st.integers(-3, 3), min_size=5, max_size=5), min_size=1, max_size=20), st.integers(1, 6))
def test_top_indices_pick_the_largest_positive_values(rows, top):
    from accord.scoring.scorecard import top_indices

    values = np.array(rows, dtype=float)
    got = top_indices(values, top)
    assert got.shape == (len(rows), top)
    for row, picked in zip(values, got):
        expected = sorted((v for v in row if v > 0), reverse=True)[:top]
        chosen = [row[i] for i in picked if i >= 0]
        assert chosen == expected  # the values, in order (ties may pick either column)
        assert all(i == -1 for i in picked[len(chosen):])
        assert len(set(i for i in picked if i >= 0)) == len(chosen)
