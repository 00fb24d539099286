"""The lookup-table compilation of a LightGBM model reproduces LightGBM's raw score exactly
(NaN, zero and categorical routing included) and its attributions add up to it."""

import lightgbm as lgb
import numpy as np

from accord.scoring.attribution import LeafAttribution
from accord.scoring.lookup import compile_booster


def test_lookup_tables_equal_lightgbm_and_leaf_attribution():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 4))
    x[:, 3] = rng.integers(0, 5, 3000)
    x[rng.random(3000) < 0.1, 0] = np.nan
    x[rng.random(3000) < 0.1, 1] = 0.0
    y = ((np.nan_to_num(x[:, 0]) + (x[:, 3] == 2) + rng.normal(size=3000)) > 0.5).astype(int)
    booster = lgb.train({"objective": "binary", "num_leaves": 4, "verbose": -1, "num_threads": 1},
                        lgb.Dataset(x, y, categorical_feature=[3]), num_boost_round=40)
    tables = compile_booster(booster, 4)
    test = rng.normal(size=(500, 4))
    test[:, 3] = rng.integers(0, 7, 500)
    test[::5] = np.nan
    test[1::5, :3] = 0.0
    raw, contrib = tables.raw_and_contributions(test)
    np.testing.assert_allclose(raw, booster.predict(test, raw_score=True), atol=1e-9)
    np.testing.assert_allclose(tables.bias + contrib.sum(axis=1), raw, atol=1e-9)
    leaf = booster.predict(test, pred_leaf=True).astype(np.int32)
    np.testing.assert_allclose(LeafAttribution.from_booster(booster, 4).contributions(leaf), contrib, atol=1e-9)
