"""Gradient-boosted model (LightGBM) with early stopping and contribution-based reason codes.

Categorical features are coded as integers from a vocabulary stored with the model (most frequent
categories first); an unseen or missing category becomes NaN, which LightGBM routes as missing.
The booster is saved in LightGBM's own text format - no pickle.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from accord.scoring.features import CATEGORICAL, FeatureSpec, numeric_array, text_series
from accord.scoring.scorecard import top_indices

SCORE_CHUNK = 50_000  # rows per lookup chunk: bounds the (rows x features) attribution block
MAX_CATEGORIES = 1000  # rarer categories than the 1,000 most frequent are treated as missing

DEFAULT_PARAMS = {
    "objective": "binary",
    "metric": "auc",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10.0,
    "verbose": -1,
    "seed": 42,
    "deterministic": True,
    # One thread: on this 2-core machine shared with other jobs, OpenMP's thread barriers made
    # training 4-8x slower with 2 threads than with 1 (measured at 50k and 1M rows). Pass
    # {"num_threads": 0} in gbm_params to use every core on a dedicated machine.
    "num_threads": 1,
}


@dataclass
class Gbm:
    booster: object  # lightgbm.Booster
    specs: list[FeatureSpec]
    vocab: dict[str, list[str]]  # categorical feature -> categories in code order
    params: dict = field(default_factory=dict)
    kind: str = "gbm"
    _attribution: object = field(default=None, init=False, repr=False, compare=False)
    _tables: object = field(default=False, init=False, repr=False, compare=False)

    @property
    def feature_names(self) -> list[str]:
        return [s.name for s in self.specs]

    def matrix(self, frame: pl.DataFrame) -> np.ndarray:
        return design_matrix(frame, self.specs, self.vocab)

    def raw(self, frame: pl.DataFrame) -> np.ndarray:
        return self.booster.predict(self.matrix(frame), raw_score=True)

    def raw_and_reasons(self, frame: pl.DataFrame, top: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Log-odds of bad and, per row, the features whose contributions push most toward bad.

        Contributions are Saabas-style path attributions (``attribution``) that add up to the raw
        log-odds like TreeSHAP's, read from lookup tables compiled once per model (``lookup``):
        a million accounts take seconds instead of TreeSHAP's minutes. Rows go in chunks on two
        threads (NumPy and LightGBM release the GIL)."""
        from accord.scoring.attribution import raw_and_contributions
        from accord.scoring.scorecard import top_of_columns

        if frame.height == 0:
            return np.empty(0), np.empty((0, top), dtype=np.int64)
        tables = self.tables()
        if tables is None:  # a model too wide to tabulate: per-leaf attribution after pred_leaf
            raws, tops = raw_and_contributions(self.booster, self.attribution(), self.matrix(frame),
                                               reduce=lambda c: top_indices(c, top))
            return np.concatenate(raws), np.concatenate(tops)
        # Columns, not a row-major matrix: binning reads each feature contiguously.
        cols = design_columns(frame, self.specs, self.vocab)

        def chunk(start: int) -> tuple[np.ndarray, np.ndarray]:
            raw, contrib = tables.raw_and_feature_contributions([c[start:start + SCORE_CHUNK] for c in cols])
            return raw, top_of_columns(contrib, top)

        starts = range(0, frame.height, SCORE_CHUNK)
        with ThreadPoolExecutor(2) as pool:
            parts = list(pool.map(chunk, starts))
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def tables(self):  # noqa: ANN201
        """The model compiled to lookup tables (``None`` when too wide), built once and kept."""
        from accord.scoring.lookup import compile_booster

        if self._tables is False:
            self._tables = compile_booster(self.booster, len(self.specs))
        return self._tables

    def attribution(self):  # noqa: ANN201
        """The model's per-leaf attribution table (built on first use, then kept)."""
        from accord.scoring.attribution import LeafAttribution

        if self._attribution is None:
            self._attribution = LeafAttribution.from_booster(self.booster, len(self.specs))
        return self._attribution

    def importance(self) -> dict[str, float]:
        gain = self.booster.feature_importance(importance_type="gain")
        total = float(gain.sum()) or 1.0
        return {name: float(g) / total for name, g in zip(self.feature_names, gain)}

    def model_text(self) -> str:
        return self.booster.model_to_string()

    def to_dict(self) -> dict:
        return {"features": [s.to_dict() for s in self.specs], "vocab": self.vocab, "params": self.params,
                "best_iteration": int(self.booster.current_iteration())}

    @classmethod
    def from_parts(cls, data: dict, model_text: str) -> Gbm:
        import lightgbm as lgb

        booster = lgb.Booster(model_str=model_text)
        return cls(booster, [FeatureSpec(**f) for f in data["features"]], data["vocab"], data.get("params", {}))


def build_vocab(frame: pl.DataFrame, specs: list[FeatureSpec]) -> dict[str, list[str]]:
    vocab = {}
    for s in specs:
        if s.kind == CATEGORICAL:
            counts = text_series(frame, s.name).drop_nulls().value_counts(sort=True)
            vocab[s.name] = counts[:, 0].head(MAX_CATEGORIES).to_list()
    return vocab


def design_matrix(frame: pl.DataFrame, specs: list[FeatureSpec], vocab: dict[str, list[str]]) -> np.ndarray:
    """(rows, features) float64 matrix; categories as their vocabulary code, NaN when missing/unseen."""
    cols = design_columns(frame, specs, vocab)
    return np.column_stack(cols) if cols else np.empty((frame.height, 0))


def design_columns(frame: pl.DataFrame, specs: list[FeatureSpec], vocab: dict[str, list[str]]) -> list[np.ndarray]:
    """The design matrix's columns, each a contiguous float64 array."""
    cols = []
    for s in specs:
        if s.kind == CATEGORICAL:
            mapping = {cat: float(i) for i, cat in enumerate(vocab[s.name])}
            codes = text_series(frame, s.name).replace_strict(mapping, default=None, return_dtype=pl.Float64)
            cols.append(codes.to_numpy())
        else:
            cols.append(numeric_array(frame, s.name))
    return cols


def size_params(n: int) -> dict:
    """Tree complexity grows with the sample: small credit samples (a few thousand rows) do best
    with shallow trees and a slow learning rate; large books with LightGBM's usual 31 leaves.
    Large books also get a faster learning rate: fewer trees keep batch scoring of the whole book
    (and TreeSHAP reason codes, whose cost grows with every tree) fast."""
    if n < 50_000:
        return {"num_leaves": 4, "learning_rate": 0.02}
    if n < 200_000:
        return {"num_leaves": 15, "learning_rate": 0.05}
    return {"num_leaves": 31, "learning_rate": 0.1}


def fit_gbm(fit_frame: pl.DataFrame, y_fit: np.ndarray, hold_frame: pl.DataFrame, y_hold: np.ndarray,
            specs: list[FeatureSpec], params: dict | None = None, max_rounds: int = 3000,
            early_stopping: int = 100) -> Gbm:
    """Train with early stopping on the hold-out AUC."""
    import lightgbm as lgb

    vocab = build_vocab(fit_frame, specs)
    cat_idx = [i for i, s in enumerate(specs) if s.kind == CATEGORICAL]
    n = len(y_fit)
    merged = {**DEFAULT_PARAMS, **size_params(n),
              # small samples: LightGBM's default of 100 rows per category group would ignore them
              "min_data_per_group": int(min(100, max(10, n // 50))),
              "min_data_in_leaf": int(min(max(20, n // 2000), 500)),
              **(params or {})}
    # LightGBM refuses some characters in feature names (JSON punctuation); positions are enough.
    names = [f"f{i}" for i in range(len(specs))]
    train_set = lgb.Dataset(design_matrix(fit_frame, specs, vocab), label=y_fit, feature_name=names,
                            categorical_feature=cat_idx, free_raw_data=True)
    valid_set = lgb.Dataset(design_matrix(hold_frame, specs, vocab), label=y_hold, reference=train_set)
    booster = lgb.train(merged, train_set, num_boost_round=max_rounds, valid_sets=[valid_set],
                        callbacks=[lgb.early_stopping(early_stopping, verbose=False)])
    # Keep only the trees up to the best iteration so the saved text model is exactly what scored.
    booster = lgb.Booster(model_str=booster.model_to_string(num_iteration=booster.best_iteration))
    return Gbm(booster, specs, vocab, merged)
