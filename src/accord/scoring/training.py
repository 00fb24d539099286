"""Training: pick features, split, fit scorecard and/or LightGBM, calibrate, validate, keep the best.

``train`` takes a Polars frame, so a feature table read from a file and the frame Accord builds
from its own database go through the same path. Samples:
  development = fit (the estimator learns) + hold (early stopping for LightGBM, calibration);
  validation  = out-of-time (with a time column) or stratified random; every reported metric.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import polars as pl

from accord.kit.errors import InputError
from accord.scoring import metrics
from accord.scoring.calibration import fit_calibrator
from accord.scoring.features import select_features, target_vector
from accord.scoring.gbm import fit_gbm
from accord.scoring.model import Model
from accord.scoring.monitoring import build_reference
from accord.scoring.scaling import Scaling
from accord.scoring.scorecard import MIN_IV, fit_scorecard
from accord.scoring.split import check_both_classes, out_of_time_mask, stratified_mask
from accord.scoring.tables import frame_sha256, require_columns

KINDS = ("scorecard", "gbm")
CURVE_POINTS = 200


@dataclass
class TrainOptions:
    kind: str | None = None  # None: train both, keep the better on validation AUC
    time_column: str | None = None
    jurisdiction: str | None = None  # CN / US / UK; None = the strictest union
    exclude: tuple[str, ...] = ()
    protected_config: str | None = None
    scaling: Scaling = field(default_factory=Scaling)
    validation_share: float = 0.25
    hold_share: float = 0.2  # of the development sample
    calibration: str = "platt"
    min_iv: float = MIN_IV
    gbm_params: dict = field(default_factory=dict)
    seed: int = 42


@dataclass
class TrainResult:
    model: Model
    candidates: dict[str, dict]  # kind -> validation summary


def train(frame: pl.DataFrame, target: str, id_column: str, options: TrainOptions | None = None,
          source: str = "data", data_sha256: str | None = None) -> TrainResult:
    """Train (both kinds unless ``options.kind``), validate, and return the better model on
    validation AUC with its metadata. ``source`` names the data in error messages."""
    opt = options or TrainOptions()
    kinds = [opt.kind] if opt.kind else list(KINDS)
    if opt.kind and opt.kind not in KINDS:
        raise InputError(f"unknown model kind {opt.kind!r}; use gbm or scorecard")
    require_columns(frame, [target], "target", source)
    require_columns(frame, [id_column], "id", source)
    if opt.time_column:
        require_columns(frame, [opt.time_column], "time", source)
    y = target_vector(frame, target, source)
    specs, excluded = select_features(frame, target, id_column, opt.time_column, opt.exclude,
                                      opt.jurisdiction, opt.protected_config)
    if opt.time_column:
        test = out_of_time_mask(frame, opt.time_column, opt.validation_share, source)
        split = f"out-of-time on {opt.time_column}: latest {test.mean():.0%} of rows"
    else:
        test = stratified_mask(y, opt.validation_share, opt.seed)
        split = f"stratified random: {test.mean():.0%} of rows (seed {opt.seed})"
    dev = np.flatnonzero(~test)
    check_both_classes(y[test], "validation")
    val_frame, y_val = frame[np.flatnonzero(test)], y[test]
    dev_frame, y_dev = frame[dev], y[dev]
    fitted = {}
    for kind in kinds:
        est, cal, dropped = fit_estimator(kind, dev_frame, y_dev, specs, opt)
        validation = validation_detail(y_val, cal.apply(est.raw(val_frame)))
        fitted[kind] = {"estimator": est, "calibrator": cal, "dropped": dropped,
                        "summary": validation["summary"], "validation": validation}
    candidates = {k: v["summary"] for k, v in fitted.items()}
    best = max(fitted, key=lambda k: candidates[k]["auc"])
    chosen = fitted[best]
    excluded_all = {**excluded, **chosen["dropped"]}
    created = datetime.now(UTC).replace(microsecond=0)
    sha = data_sha256 or frame_sha256(frame)
    used = [s for s in specs if s.name in chosen["estimator"].feature_names]
    importance = chosen["estimator"].importance()
    meta = {
        "format": 1,
        "version": _version(target, best, created, sha),
        "kind": best,
        "target": target,
        "id_column": id_column,
        "time_column": opt.time_column,
        "jurisdiction": (opt.jurisdiction or "ALL").upper(),
        "features": [{**s.to_dict(), "importance": importance.get(s.name, 0.0)} for s in used],
        "excluded": excluded_all,
        "parameters": _parameters(best, opt, chosen),
        "scaling": opt.scaling.to_dict(),
        "calibration": chosen["calibrator"].to_dict(),
        "split": split,
        "metrics": {"validation": candidates[best], "candidates": candidates,
                    "chosen_by": "validation AUC" if len(kinds) > 1 else "--kind"},
        "training_data": {"sha256": sha, "source": source},
        "rows": {"total": int(frame.height), "development": int(len(dev)), "validation": int(test.sum()),
                 "bad_rate": float(y.mean())},
        "libraries": _libraries(),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "reference": build_reference(dev_frame, used, chosen["calibrator"].apply(chosen["estimator"].raw(dev_frame)),
                                     importance),
    }
    model = Model(chosen["estimator"], chosen["calibrator"], meta, chosen["validation"])
    return TrainResult(model, candidates)


def fit_estimator(kind: str, frame: pl.DataFrame, y: np.ndarray, specs, opt: TrainOptions | None = None):
    """Fit one model kind on a development sample: returns (estimator, calibrator, dropped features).

    The sample is split (stratified) into fit and hold parts. The estimator learns on the fit part;
    LightGBM stops early on the hold part, and the calibration map is fitted on the hold part's raw
    scores. The validation sample is never seen here."""
    opt = opt or TrainOptions()
    hold = stratified_mask(y, opt.hold_share, opt.seed + 1)
    check_both_classes(y[~hold], "fit")
    check_both_classes(y[hold], "hold-out (calibration)")
    fit_frame, hold_frame = frame.filter(pl.Series(~hold)), frame.filter(pl.Series(hold))
    dropped: dict[str, str] = {}
    if kind == "scorecard":
        est, dropped = fit_scorecard(fit_frame, y[~hold], specs, opt.scaling, opt.min_iv)
    elif kind == "gbm":
        est = fit_gbm(fit_frame, y[~hold], hold_frame, y[hold], specs, {"seed": opt.seed, **opt.gbm_params})
    else:
        raise InputError(f"unknown model kind {kind!r}; use gbm or scorecard")
    cal = fit_calibrator(est.raw(hold_frame), y[hold], opt.calibration)
    return est, cal, dropped


def validation_detail(y: np.ndarray, p: np.ndarray) -> dict:
    """Everything the report draws: summary, ROC/KS curve points, lift and calibration by decile."""
    fpr, tpr, _ = metrics.roc_points(y, p)
    pop = (fpr * (len(y) - y.sum()) + tpr * y.sum()) / len(y)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), CURVE_POINTS + 1)).round().astype(int))
    return {"summary": metrics.summary(y, p),
            "curve": {"fpr": fpr[keep].tolist(), "tpr": tpr[keep].tolist(), "population": pop[keep].tolist()},
            "lift": metrics.lift_by_decile(y, p), "calibration": metrics.calibration_table(y, p)}


def _parameters(kind: str, opt: TrainOptions, chosen: dict) -> dict:
    common = {"validation_share": opt.validation_share, "hold_share": opt.hold_share,
              "calibration": opt.calibration, "seed": opt.seed}
    if kind == "scorecard":
        return {**common, "binning": "optbinning BinningProcess, monotonic_trend=auto_asc_desc (numeric)",
                "min_iv": opt.min_iv, "regression": "LogisticRegression(C=1.0) on WOE"}
    return {**common, "lightgbm": chosen["estimator"].params,
            "best_iteration": int(chosen["estimator"].booster.current_iteration())}


def _libraries() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in ("accord", "polars", "numpy", "scikit-learn", "optbinning", "lightgbm"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def _version(target: str, kind: str, created: datetime, sha: str) -> str:
    slug = re.sub(r"[^0-9A-Za-z_-]+", "_", target).strip("_") or "target"
    return f"{slug}-{kind}-{created:%Y%m%dT%H%M%SZ}-{sha[:8]}"
