"""Small synthetic feature tables with real signal, and models trained once per test session."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest


def make_frame(n: int = 3000, seed: int = 0) -> pl.DataFrame:
    """``x_strong`` drives the bad rate, ``x_weak`` and ``region`` a little; ``gender`` and ``年龄``
    are correlated with the target on purpose (a model must still never use them)."""
    rng = np.random.default_rng(seed)
    x_strong = rng.normal(size=n)
    x_weak = rng.normal(size=n)
    region = rng.choice(["north", "south", "east", "west"], size=n)
    logit = -1.2 + 1.6 * x_strong + 0.4 * x_weak + 0.8 * (region == "north")
    bad = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    x_weak_missing = x_weak.copy()
    x_weak_missing[rng.random(n) < 0.05] = np.nan
    gender = np.where(rng.random(n) < 0.5 + 0.3 * (bad - 0.5), "F", "M")
    return pl.DataFrame({
        "loan_id": [f"L{i:05d}" for i in range(n)],
        "x_strong": x_strong,
        "x_weak": x_weak_missing,
        "x_noise": rng.normal(size=n),
        "region": region,
        "gender": gender,
        "年龄": (40 + 10 * bad + rng.normal(0, 5, n)).round(),
        "bad": bad,
    }).with_columns(pl.col("x_weak").fill_nan(None))


@pytest.fixture(name="make_frame", scope="session")
def make_frame_fixture():
    """The frame factory, for tests that need another sample (another seed or size)."""
    return make_frame


@pytest.fixture(scope="session")
def frame() -> pl.DataFrame:
    return make_frame()


@pytest.fixture(scope="session")
def trained(frame):
    """Both model kinds, trained once: {"scorecard": TrainResult, "gbm": TrainResult}."""
    from accord.scoring.training import TrainOptions, train

    return {kind: train(frame, "bad", "loan_id", TrainOptions(kind=kind)) for kind in ("scorecard", "gbm")}
