"""Population stability monitoring: PSI of scores and of the top features, new vs reference.

A model directory carries a profile of its development sample (``model.json`` → ``reference``:
decile edges and shares of ``p_bad`` and of the most important features), so a daily run can
check a new population against it without the training data. PSI > 0.25 is a warning.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from accord.scoring.features import CATEGORICAL, FeatureSpec, numeric_array, text_series
from accord.scoring.metrics import PSI_WARNING, bin_shares, psi_from_shares, quantile_edges

SCORE = "p_bad"
TOP_FEATURES = 5
MAX_LEVELS = 50  # categorical profiles keep the 50 most frequent categories, the rest is "other"


def feature_profile(frame: pl.DataFrame, spec: FeatureSpec, bins: int = 10) -> dict:
    """Bins and shares of one feature in ``frame``."""
    if spec.kind == CATEGORICAL:
        counts = text_series(frame, spec.name).drop_nulls().value_counts(sort=True)
        levels = counts[:, 0].head(MAX_LEVELS).to_list()
        profile = {"kind": CATEGORICAL, "levels": levels}
    else:
        edges = quantile_edges(numeric_array(frame, spec.name), bins)
        profile = {"kind": "numeric", "edges": [float(e) for e in edges]}
    profile["shares"] = [float(v) for v in profile_shares(frame, spec, profile)]
    return profile


def profile_shares(frame: pl.DataFrame, spec: FeatureSpec, profile: dict) -> np.ndarray:
    """Shares of ``frame`` in the bins of ``profile``."""
    if profile["kind"] == CATEGORICAL:
        levels = profile["levels"]
        s = text_series(frame, spec.name)
        code = s.replace_strict({v: i for i, v in enumerate(levels)}, default=len(levels), return_dtype=pl.Int64)
        code = code.fill_null(len(levels) + 1).to_numpy()  # other, then missing
        return np.bincount(code, minlength=len(levels) + 2) / max(len(code), 1)
    return bin_shares(numeric_array(frame, spec.name), np.asarray(profile["edges"]))


def score_profile(p_bad: np.ndarray, bins: int = 10) -> dict:
    edges = quantile_edges(p_bad, bins)
    return {"kind": "numeric", "edges": [float(e) for e in edges],
            "shares": [float(v) for v in bin_shares(p_bad, edges)]}


def build_reference(frame: pl.DataFrame, specs: list[FeatureSpec], p_bad: np.ndarray,
                    importance: dict[str, float], top: int = TOP_FEATURES) -> dict:
    """The development-sample profile stored in ``model.json``."""
    ranked = sorted(specs, key=lambda s: -importance.get(s.name, 0.0))[:top]
    return {"rows": int(frame.height), "score": score_profile(p_bad),
            "features": {s.name: feature_profile(frame, s) for s in ranked}}


def drift(model, new: pl.DataFrame, reference: pl.DataFrame | None = None,
          new_p_bad: np.ndarray | None = None) -> list[dict]:
    """PSI of ``p_bad`` and of the model's top features, ``new`` against ``reference`` (a frame)
    or, when no frame is given, against the profile stored with the model. ``new_p_bad``: the
    new rows' scores when the caller already has them (batch scoring: not scored twice)."""
    from accord.scoring.model import score_frame  # local: model imports heavy estimators

    specs = {s.name: s for s in model.specs}
    stored = model.meta["reference"]
    if reference is not None:
        ref_p = score_frame(model, reference, reasons=0)["p_bad"].to_numpy()
        stored = build_reference(reference, list(specs.values()), ref_p,
                                 {n: 1.0 for n in stored["features"]}, top=len(stored["features"]))
    new_p = score_frame(model, new, reasons=0)["p_bad"].to_numpy() if new_p_bad is None else np.asarray(new_p_bad)
    rows = [_row(SCORE, "score", stored["score"]["shares"],
                 bin_shares(new_p, np.asarray(stored["score"]["edges"])))]
    for name, profile in stored["features"].items():
        rows.append(_row(name, "feature", profile["shares"], profile_shares(new, specs[name], profile)))
    return rows


def _row(name: str, what: str, expected, actual) -> dict:
    value = psi_from_shares(expected, actual)
    return {"name": name, "kind": what, "psi": value, "warning": value > PSI_WARNING}


def drift_warnings(model, new: pl.DataFrame, reference: pl.DataFrame | None = None) -> list[dict]:
    """Only the rows of ``drift`` whose PSI is above 0.25."""
    return [r for r in drift(model, new, reference) if r["warning"]]
