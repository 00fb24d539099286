"""``accord model train | score | report | monitor`` from the outside (contracts.md, "Scoring models")."""

from __future__ import annotations

import csv
import json

import polars as pl
import pytest


@pytest.fixture(scope="module")
def table(tmp_path_factory, make_frame):
    folder = tmp_path_factory.mktemp("cli")
    frame = make_frame(1500, seed=2)
    frame.write_csv(folder / "features.csv")
    frame.write_parquet(folder / "features.parquet")
    return folder


def test_train_score_report(accord, table, tmp_path):
    res = accord("model", "train", "--data", str(table / "features.csv"), "--target", "bad", "--id", "loan_id",
                 "--out", str(tmp_path / "m"), "--format", "json")
    assert res.code == 0, res
    summary = res.json()  # stdout is JSON only
    assert set(summary["candidates"]) == {"scorecard", "gbm"}
    assert summary["kind"] == max(summary["candidates"], key=lambda k: summary["candidates"][k]["auc"])
    assert summary["metrics"]["auc"] > 0.75 and 0 < summary["metrics"]["ks"] < 1
    assert "gender" in summary["excluded"] and "gender" not in summary["features"]
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["summary"]["auc"] == summary["metrics"]["auc"] and len(metrics["lift"]) == 10
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    assert meta["id_column"] == "loan_id" and len(meta["training_data"]["sha256"]) == 64

    # extra columns the model never saw are ignored
    new = pl.read_csv(table / "features.csv").head(300).with_columns(pl.lit(1).alias("brand_new"))
    new.write_csv(tmp_path / "new.csv")
    res = accord("model", "score", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "new.csv"),
                 "--out", str(tmp_path / "scores.csv"))
    assert res.code == 0, res
    with open(tmp_path / "scores.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 300
    assert list(rows[0])[:2] == ["loan_id", "p_bad"] and {"reason_1", "reason_2", "reason_3"} <= set(rows[0])
    assert [r["loan_id"] for r in rows] == new["loan_id"].to_list()
    assert all(0.0 <= float(r["p_bad"]) <= 1.0 for r in rows)
    assert {r["reason_1"] for r in rows} <= set(summary["features"]) | {""}

    res = accord("model", "report", str(tmp_path / "m"), "--out", str(tmp_path / "r.html"))
    assert res.code == 0, res
    assert "AUC" in res.stdout and "decile" in res.stdout
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "ROC" in html and "KS curve" in html and "Calibration" in html
    assert "<script" not in html and "http" not in html and "<link" not in html  # self-contained
    assert "gender" in html and "protected attribute" in html  # the excluded features and why


def test_parquet_scorecard_and_monitoring(accord, table, tmp_path):
    res = accord("model", "train", "--data", str(table / "features.parquet"), "--target", "bad", "--id", "loan_id",
                 "--out", str(tmp_path / "sc"), "--kind", "scorecard", "--jurisdiction", "CN", "--pdo", "40")
    assert res.code == 0, res
    assert "scorecard (kept)" in res.stdout
    card = (tmp_path / "sc" / "scorecard.csv").read_text(encoding="utf-8")
    assert card.startswith("feature,bin,count,event_rate,woe,coefficient,points") and "x_strong" in card
    res = accord("model", "monitor", "--model", str(tmp_path / "sc"), "--data", str(table / "features.csv"))
    assert res.code == 0, res
    shifted = pl.read_csv(table / "features.csv").with_columns(pl.col("x_strong") + 2)
    shifted.write_csv(tmp_path / "shifted.csv")
    res = accord("model", "monitor", "--model", str(tmp_path / "sc"), "--data", str(tmp_path / "shifted.csv"),
                 "--format", "json")
    assert res.code == 1, res
    assert any(r["name"] == "x_strong" and r["warning"] for r in res.json())


@pytest.mark.parametrize(("args", "message"), [
    (["--target", "nope", "--id", "loan_id"], "target column 'nope' not found"),
    (["--target", "bad", "--id", "nope"], "id column 'nope' not found"),
    (["--target", "region", "--id", "loan_id"], "target column 'region' must hold 1"),
    (["--target", "bad", "--id", "loan_id", "--kind", "forest"], "--kind must be gbm or scorecard"),
    (["--target", "bad", "--id", "loan_id", "--jurisdiction", "XX"], "unknown jurisdiction"),
])
def test_train_unusable_input_exits_2(accord, table, tmp_path, args, message):
    res = accord("model", "train", "--data", str(table / "features.csv"), "--out", str(tmp_path / "m"), *args)
    assert res.code == 2, res
    assert message in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "m" / "model.json").exists()


def test_unreadable_files_exit_2(accord, tmp_path):
    (tmp_path / "broken.parquet").write_bytes(b"not a parquet file")
    res = accord("model", "train", "--data", str(tmp_path / "broken.parquet"), "--target", "bad", "--id", "id",
                 "--out", str(tmp_path / "m"))
    assert res.code == 2 and "broken.parquet" in res.stderr, res
    res = accord("model", "train", "--data", str(tmp_path / "absent.csv"), "--target", "bad", "--id", "id",
                 "--out", str(tmp_path / "m"))
    assert res.code == 2 and "absent.csv: no such file" in res.stderr, res
    res = accord("model", "score", "--model", str(tmp_path / "no-model"), "--data", str(tmp_path / "absent.csv"),
                 "--out", str(tmp_path / "s.csv"))
    assert res.code == 2 and "no-model" in res.stderr, res


def test_score_with_a_missing_feature_exits_2_naming_it(accord, table, tmp_path):
    res = accord("model", "train", "--data", str(table / "features.csv"), "--target", "bad", "--id", "loan_id",
                 "--out", str(tmp_path / "m"), "--kind", "gbm")
    assert res.code == 0, res
    pl.read_csv(table / "features.csv").drop("x_weak").write_csv(tmp_path / "partial.csv")
    res = accord("model", "score", "--model", str(tmp_path / "m"), "--data", str(tmp_path / "partial.csv"),
                 "--out", str(tmp_path / "s.csv"))
    assert res.code == 2, res
    assert "'x_weak'" in res.stderr and "partial.csv" in res.stderr
    assert not (tmp_path / "s.csv").exists()
