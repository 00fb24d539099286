"""Calibrated probabilities: a map from a model's raw log-odds to P(bad), fitted on a hold-out part
of the development sample (never the rows the model was fitted on, never the validation rows).

- ``platt`` (default): logistic regression of the outcome on the raw log-odds, p = σ(a·z + b).
  Monotone, so AUC and KS are unchanged, and stable on small hold-out samples.
- ``isotonic``: a monotone step function (scikit-learn ``IsotonicRegression``), stored as its
  breakpoints and applied by linear interpolation. Flexible; needs a larger hold-out and creates
  ties (which can lower AUC a little).
Both are stored as plain numbers in ``model.json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("platt", "isotonic")


@dataclass
class Calibrator:
    method: str
    a: float = 1.0
    b: float = 0.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def apply(self, raw) -> np.ndarray:
        z = np.asarray(raw, dtype=np.float64)
        if self.method == "platt":
            return 1.0 / (1.0 + np.exp(-(self.a * z + self.b)))
        return np.interp(z, self.x, self.y)

    def to_dict(self) -> dict:
        if self.method == "platt":
            return {"method": "platt", "a": self.a, "b": self.b}
        return {"method": "isotonic", "x": self.x, "y": self.y}

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        return cls(**data)


def fit_calibrator(raw, y, method: str = "platt") -> Calibrator:
    if method not in METHODS:
        raise ValueError(f"unknown calibration method {method!r}; use one of {', '.join(METHODS)}")
    z = np.asarray(raw, dtype=np.float64)
    y = np.asarray(y)
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=1e6, max_iter=1000).fit(z.reshape(-1, 1), y)
        return Calibrator("platt", a=float(lr.coef_[0, 0]), b=float(lr.intercept_[0]))
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(z, y)
    return Calibrator("isotonic", x=[float(v) for v in iso.X_thresholds_],
                      y=[float(v) for v in iso.y_thresholds_])
