"""Validation metrics for a binary "bad" target: AUC, Gini, KS, lift by decile, calibration, PSI.

Pure NumPy, no I/O. ``y`` is 1 = bad, 0 = good; ``p`` is any score where higher means riskier
(a probability of bad, or minus a scorecard's points).
"""

from __future__ import annotations

import numpy as np

PSI_WARNING = 0.25  # product.md: PSI > 0.25 means the population shifted
_EPS = 1e-4  # share given to an empty bin so that ln() stays finite (the usual convention)


def _arrays(y, p) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("y and p must be 1-D arrays of the same length")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must hold only 0 and 1")
    return y, p


def roc_points(y, p) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) at every distinct score, from the riskiest down; starts at (0, 0)."""
    y, p = _arrays(y, p)
    order = np.argsort(-p, kind="mergesort")
    ys, ps = y[order], p[order]
    # Tied scores move together: keep the last index of each run of equal scores.
    last = np.r_[np.nonzero(np.diff(ps))[0], len(ps) - 1] if len(ps) else np.array([], dtype=int)
    tp = np.cumsum(ys)[last]
    fp = (last + 1) - tp
    pos, neg = ys.sum(), len(ys) - ys.sum()
    if pos == 0 or neg == 0:
        raise ValueError("AUC / KS need both good and bad cases")
    tpr = np.r_[0.0, tp / pos]
    fpr = np.r_[0.0, fp / neg]
    return fpr, tpr, np.r_[np.inf, ps[last]]


def auc(y, p) -> float:
    """Area under the ROC curve (ties count one half): P(score of a bad > score of a good)."""
    fpr, tpr, _ = roc_points(y, p)
    return float(np.trapezoid(tpr, fpr))


def gini(y, p) -> float:
    """Gini = 2·AUC − 1."""
    return 2.0 * auc(y, p) - 1.0


def ks(y, p) -> float:
    """Kolmogorov-Smirnov: the largest gap between the cumulative bad and good distributions."""
    fpr, tpr, _ = roc_points(y, p)
    return float(np.max(tpr - fpr))


def _decile_index(p: np.ndarray, groups: int) -> np.ndarray:
    """Group 1 = riskiest tenth. Rank-based so that ties never leave a group empty."""
    order = np.argsort(-p, kind="mergesort")
    idx = np.empty(len(p), dtype=np.int64)
    idx[order] = np.arange(len(p)) * groups // max(len(p), 1)
    return idx + 1


def lift_by_decile(y, p, groups: int = 10) -> list[dict]:
    """Per decile (1 = riskiest): rows, bads, bad rate, cumulative share of bads captured, lift."""
    y, p = _arrays(y, p)
    idx = _decile_index(p, groups)
    base = y.mean() if len(y) else 0.0
    total_bad = y.sum()
    rows, cum_bad = [], 0.0
    for g in range(1, groups + 1):
        mask = idx == g
        n = int(mask.sum())
        bad = float(y[mask].sum())
        cum_bad += bad
        rate = bad / n if n else 0.0
        rows.append({"decile": g, "rows": n, "bads": int(bad), "bad_rate": rate,
                     "cum_capture": float(cum_bad / total_bad) if total_bad else 0.0,
                     "lift": float(rate / base) if base else 0.0})
    return rows


def calibration_table(y, p, groups: int = 10) -> list[dict]:
    """Predicted vs observed bad rate by decile of prediction (1 = lowest predicted)."""
    y, p = _arrays(y, p)
    idx = groups + 1 - _decile_index(p, groups)
    rows = []
    for g in range(1, groups + 1):
        mask = idx == g
        n = int(mask.sum())
        rows.append({"group": g, "rows": n,
                     "predicted": float(p[mask].mean()) if n else 0.0,
                     "observed": float(y[mask].mean()) if n else 0.0})
    return rows


def psi_from_shares(expected, actual) -> float:
    """PSI = Σ (actual − expected) · ln(actual / expected) over bins given as shares."""
    e = np.clip(np.asarray(expected, dtype=np.float64), _EPS, None)
    a = np.clip(np.asarray(actual, dtype=np.float64), _EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def quantile_edges(values, bins: int = 10) -> np.ndarray:
    """Inner bin edges at the quantiles of ``values`` (NaN ignored), duplicates dropped."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.array([])
    return np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1]))


def bin_shares(values, edges) -> np.ndarray:
    """Share of ``values`` in each bin of ``edges`` (left-closed), plus a last bin for missing (NaN)."""
    v = np.asarray(values, dtype=np.float64)
    missing = np.isnan(v)
    counts = np.bincount(np.searchsorted(edges, v[~missing], side="right"), minlength=len(edges) + 1)
    counts = np.r_[counts, missing.sum()].astype(np.float64)
    return counts / max(len(v), 1)


def psi(expected, actual, bins: int = 10) -> float:
    """Population stability of ``actual`` against ``expected`` on ``bins`` quantile bins of
    ``expected`` (scores or a numeric feature); a missing-value bin is included."""
    edges = quantile_edges(expected, bins)
    return psi_from_shares(bin_shares(expected, edges), bin_shares(actual, edges))


def summary(y, p) -> dict:
    """The headline figures stored in a model's metrics."""
    y_arr, _ = _arrays(y, p)
    a = auc(y, p)
    return {"auc": a, "gini": 2 * a - 1, "ks": ks(y, p), "rows": int(len(y_arr)),
            "bad_rate": float(y_arr.mean()) if len(y_arr) else 0.0}
