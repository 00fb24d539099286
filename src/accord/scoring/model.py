"""A trained model as one object (estimator + calibration + metadata) and vectorised batch scoring."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from accord.kit.errors import InputError
from accord.scoring.calibration import Calibrator
from accord.scoring.features import FeatureSpec, check_columns
from accord.scoring.gbm import Gbm
from accord.scoring.pages import small_pages
from accord.scoring.scaling import Scaling
from accord.scoring.scorecard import Scorecard

REASONS = 3


@dataclass
class Model:
    """``meta`` is the content of ``model.json``; ``validation`` the detail of ``metrics.json``."""

    estimator: Scorecard | Gbm
    calibrator: Calibrator
    meta: dict
    validation: dict = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.estimator.kind

    @property
    def version(self) -> str:
        return self.meta["version"]

    @property
    def target(self) -> str:
        return self.meta["target"]

    @property
    def id_column(self) -> str:
        return self.meta["id_column"]

    @property
    def specs(self) -> list[FeatureSpec]:
        return [FeatureSpec(f["name"], f["kind"]) for f in self.meta["features"]]

    @property
    def scaling(self) -> Scaling:
        return Scaling.from_dict(self.meta["scaling"])

    def raw(self, frame: pl.DataFrame) -> np.ndarray:
        return self.estimator.raw(frame)

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        """Calibrated P(bad) for each row."""
        check_columns(frame, self.specs)
        return self.calibrator.apply(self.raw(frame))


def score_frame(model: Model, frame: pl.DataFrame, reasons: int = REASONS, source: str = "data") -> pl.DataFrame:
    """Score every row: id, ``p_bad`` (calibrated), ``score`` (points, higher = safer) and
    ``reason_1..reason_n`` (feature names, most adverse first; null when fewer apply).
    ``reasons=0`` skips reason codes (for LightGBM that skips TreeSHAP, by far the costliest step).

    Columns the model has never seen are ignored; a missing feature (or id) column is an
    ``InputError`` naming it. For a scorecard ``score`` is the sum of the card's points; for a
    gradient-boosted model it is ``p_bad`` put on the same base-score / PDO scale.
    """
    if model.id_column not in frame.columns:
        raise InputError(f"{source}: id column {model.id_column!r} is missing")
    check_columns(frame, model.specs, source)
    with small_pages():
        return _scored(model, frame, reasons)


def _scored(model: Model, frame: pl.DataFrame, reasons: int) -> pl.DataFrame:
    est = model.estimator
    if isinstance(est, Scorecard):
        score, top = est.score_and_reasons(frame, reasons)
        # the points add up to offset - factor * log-odds, so the log-odds come back exactly
        p_bad = model.calibrator.apply((est.scaling.offset - score) / est.scaling.factor)
    elif reasons:
        raw, top = est.raw_and_reasons(frame, reasons)  # path attributions from lookup tables
        p_bad = model.calibrator.apply(raw)
        score = model.scaling.score_from_p(p_bad)
    else:
        top = np.empty((frame.height, 0), dtype=np.int64)
        p_bad = model.calibrator.apply(est.raw(frame))
        score = model.scaling.score_from_p(p_bad)
    names = pl.Series(est.feature_names + [None], dtype=pl.String)
    top = np.where(top < 0, len(est.feature_names), top)  # -1 (no reason) -> the trailing null
    out = {model.id_column: frame[model.id_column], "p_bad": p_bad, "score": np.round(score, 1)}
    for k in range(reasons):
        out[f"reason_{k + 1}"] = names.gather(top[:, k])
    return pl.DataFrame(out)
