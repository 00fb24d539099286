"""Scorecard (评分卡): optbinning WOE binning + logistic regression, points scaled by base score / PDO.

Fitting uses optbinning's ``BinningProcess`` (monotonic WOE for numeric features, event-rate ordered
groups for categorical ones) and scikit-learn's ``LogisticRegression``. The fitted card is then
plain data - bin edges, category groups, WOE and points per bin - stored as JSON and CSV, and
applied here with NumPy/Polars. Scoring therefore never needs pickle or optbinning, and training
and scoring use the same transform.

Reason codes: for each feature, the points it loses against its best bin; the largest shortfalls
are the reasons, the way adverse-action notices are usually built.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from accord.scoring.features import CATEGORICAL, NUMERIC, FeatureSpec, numeric_array, text_series
from accord.scoring.scaling import Scaling

MIN_IV = 0.02
MIN_PREBIN_ROWS = 12  # finest pre-bin: ~12 rows on small samples, 0.5 % of rows on large ones  # below this a feature is "not predictive" in the usual IV reading


@dataclass
class Card:
    """One feature's row group in the scorecard."""

    name: str
    kind: str
    splits: list  # numeric: inner edges (bins are [a, b)); categorical: list of category groups
    labels: list[str]
    counts: list[int]  # per bin, then missing
    event_rates: list[float]
    woe: list[float]  # per bin, then missing (0 when no training row was missing)
    iv: float
    coef: float = 0.0
    points: list[float] = field(default_factory=list)  # per bin, then missing, then unseen category

    def bin_index(self, frame: pl.DataFrame) -> np.ndarray:
        """Index into ``woe`` / ``points``: regular bins, then missing, then (categorical) unseen."""
        nbins = len(self.labels)
        if self.kind == NUMERIC:
            x = numeric_array(frame, self.name)
            idx = np.searchsorted(np.asarray(self.splits, dtype=np.float64), x, side="right")
            idx[np.isnan(x)] = nbins
            return idx
        mapping = {cat: i for i, group in enumerate(self.splits) for cat in group}
        s = text_series(frame, self.name)
        idx = s.replace_strict(mapping, default=nbins + 1, return_dtype=pl.Int32)
        return idx.fill_null(nbins).to_numpy()

    def best_points(self) -> float:
        """Points of the best bin that training rows fell into (missing counts if it was seen)."""
        nbins = len(self.labels)
        seen = self.points[:nbins] + ([self.points[nbins]] if self.counts[nbins] > 0 else [])
        return max(seen)

    def woe_values(self, idx: np.ndarray) -> np.ndarray:
        return np.asarray(self.woe + [0.0], dtype=np.float64)[idx]  # unseen category: WOE 0 (average)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Scorecard:
    cards: list[Card]
    intercept: float
    scaling: Scaling
    kind: str = "scorecard"

    @property
    def feature_names(self) -> list[str]:
        return [c.name for c in self.cards]

    def _indices(self, frame: pl.DataFrame) -> list[np.ndarray]:
        return [card.bin_index(frame) for card in self.cards]

    def points_matrix(self, frame: pl.DataFrame) -> np.ndarray:
        """(rows, features) points earned per feature."""
        idx = self._indices(frame)
        return np.column_stack([np.asarray(c.points)[i] for c, i in zip(self.cards, idx)])

    def raw(self, frame: pl.DataFrame) -> np.ndarray:
        """Log-odds of bad from the logistic regression on WOE."""
        z = np.full(frame.height, self.intercept)
        for card, idx in zip(self.cards, self._indices(frame)):
            z += card.coef * card.woe_values(idx)
        return z

    def score_and_reasons(self, frame: pl.DataFrame, top: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Total points per row and, per row, the indices of the features losing most points
        against their best bin (-1 where fewer than ``top`` features lose any)."""
        pts = self.points_matrix(frame)
        best = np.array([c.best_points() for c in self.cards])
        shortfall = best[None, :] - pts
        return pts.sum(axis=1), top_indices(shortfall, top)

    def table(self) -> list[dict]:
        """The scorecard as rows (feature, bin, count, event rate, WOE, points) for CSV / reports."""
        rows = []
        for c in self.cards:
            labels = c.labels + ["Missing"] + (["Unseen category"] if c.kind == CATEGORICAL else [])
            counts = c.counts + ([0] if c.kind == CATEGORICAL else [])
            rates = c.event_rates + ([float("nan")] if c.kind == CATEGORICAL else [])
            woe = c.woe + ([0.0] if c.kind == CATEGORICAL else [])
            for i, label in enumerate(labels):
                rows.append({"feature": c.name, "bin": label, "count": counts[i], "event_rate": rates[i],
                             "woe": woe[i], "coefficient": c.coef, "points": c.points[i]})
        return rows

    def importance(self) -> dict[str, float]:
        return {c.name: c.iv for c in self.cards}

    def to_dict(self) -> dict:
        return {"intercept": self.intercept, "scaling": self.scaling.to_dict(),
                "cards": [c.to_dict() for c in self.cards]}

    @classmethod
    def from_dict(cls, data: dict) -> Scorecard:
        return cls([Card(**c) for c in data["cards"]], float(data["intercept"]),
                   Scaling.from_dict(data["scaling"]))


def top_indices(values: np.ndarray, top: int) -> np.ndarray:
    """Per row, the column indices of the ``top`` largest strictly positive values, largest first
    (-1 where fewer than ``top`` are positive; of equal values, the lower column first)."""
    return top_of_columns(values.T, top)


def top_of_columns(columns: np.ndarray, top: int) -> np.ndarray:
    """``top_indices`` of the (rows, features) matrix whose columns are ``columns`` (features, rows).

    A running top-k, feature by feature: a feature only touches the rows where it beats the
    current k-th value (few, once a few features are in), so a million rows cost a few passes
    per feature instead of a per-row partial sort."""
    f, n = columns.shape
    val = [np.zeros(n) for _ in range(top)]  # best values so far; 0 keeps only strictly positive ones
    idx = [np.full(n, -1, dtype=np.int64) for _ in range(top)]
    for j, c in enumerate(columns):
        rows = np.flatnonzero(c > val[-1]) if top else []
        if len(rows) == 0:
            continue
        v = c[rows]
        old_v, old_i = [a[rows] for a in val], [a[rows] for a in idx]
        above = [v > a for a in old_v]  # v beats slot k (ties keep the earlier feature first)
        for k in range(top):
            # slot k keeps its value, takes v, or takes the one pushed down from slot k - 1
            new_v = np.where(above[k], v, old_v[k]) if k == 0 else \
                np.where(above[k - 1], old_v[k - 1], np.where(above[k], v, old_v[k]))
            new_i = np.where(above[k], j, old_i[k]) if k == 0 else \
                np.where(above[k - 1], old_i[k - 1], np.where(above[k], j, old_i[k]))
            val[k][rows], idx[k][rows] = new_v, new_i
    return np.column_stack(idx) if top else np.empty((n, 0), dtype=np.int64)


def _quiet_optbinning():
    # cvxpy (an optbinning dependency) logs optional-solver import failures on stderr; they are
    # irrelevant here. cvxpy resets its logger's level on import, so filter the records instead.
    logging.getLogger("__cvxpy__").addFilter(lambda record: "importing solver" not in record.getMessage())
    from optbinning import BinningProcess

    return BinningProcess


def _pandas_frame(frame: pl.DataFrame, specs: list[FeatureSpec]):
    import pandas as pd

    cols = {}
    for s in specs:
        if s.kind == NUMERIC:
            cols[s.name] = numeric_array(frame, s.name)
        else:
            cols[s.name] = np.array(text_series(frame, s.name).to_list(), dtype=object)
    return pd.DataFrame(cols)


def _card_from(optb, spec: FeatureSpec) -> Card:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*incompatible dtype.*")
        table = optb.binning_table.build()
    nbins = len(table) - 3  # regular bins, then Special, Missing, Totals
    regular = table.iloc[:nbins]
    missing = table.iloc[nbins + 1]
    if spec.kind == NUMERIC:
        splits = [float(v) for v in optb.splits]
    else:
        splits = [[str(v) for v in group] for group in optb.splits]
    return Card(
        name=spec.name, kind=spec.kind, splits=splits,
        labels=([str(v) for v in regular["Bin"]] if spec.kind == NUMERIC
                else ["[" + ", ".join(group) + "]" for group in splits]),
        counts=[int(v) for v in regular["Count"]] + [int(missing["Count"])],
        event_rates=[float(v) for v in regular["Event rate"]] + [float(missing["Event rate"] or 0.0)],
        woe=[float(v) for v in regular["WoE"]] + [float(missing["WoE"])],
        iv=float(table.loc["Totals", "IV"]),
    )


def _assign_points(cards: list[Card], intercept: float, scaling: Scaling) -> None:
    """points(bin) = −factor·(coef·WOE + intercept/n) + offset/n, so the points sum to
    offset − factor·logit(p_bad): the scaled score."""
    n = len(cards)
    share = (scaling.offset - scaling.factor * intercept) / n
    for c in cards:
        woe = c.woe + ([0.0] if c.kind == CATEGORICAL else [])
        c.points = [share - scaling.factor * c.coef * w for w in woe]


def fit_scorecard(frame: pl.DataFrame, y: np.ndarray, specs: list[FeatureSpec], scaling: Scaling,
                  min_iv: float = MIN_IV, c_reg: float = 1.0) -> tuple[Scorecard, dict[str, str]]:
    """Fit binning and the logistic regression; returns the card and features dropped with reasons."""
    from sklearn.linear_model import LogisticRegression

    binning_process = _quiet_optbinning()
    names = [s.name for s in specs]
    # Finer pre-binning than optbinning's default (5 %) lets a steep tail (e.g. a balance where the
    # bad rate climbs quickly) get its own bins; monotonicity keeps that from overfitting. At most
    # 50 pre-bins: the optimal-binning solver slows down sharply beyond that.
    prebin = float(np.clip(MIN_PREBIN_ROWS / max(len(y), 1), 0.005, 0.05))
    fit_params = {s.name: {"monotonic_trend": "auto_asc_desc", "min_prebin_size": prebin, "max_n_prebins": 50}
                  for s in specs if s.kind == NUMERIC}
    bp = binning_process(names, categorical_variables=[s.name for s in specs if s.kind == CATEGORICAL],
                         binning_fit_params=fit_params, n_jobs=1)
    with warnings.catch_warnings():  # optbinning's table code trips a pandas deprecation warning
        warnings.filterwarnings("ignore", message=".*incompatible dtype.*")
        bp.fit(_pandas_frame(frame, specs), y)
    cards, dropped = [], {}
    for spec in specs:
        card = _card_from(bp.get_binned_variable(spec.name), spec)
        if len(card.labels) < 2 or card.iv < min_iv:
            dropped[spec.name] = f"not predictive (information value {card.iv:.4f} < {min_iv})"
        else:
            cards.append(card)
    if not cards:  # nothing passes the IV bar: keep the best one so a card still exists
        best = max(specs, key=lambda s: _card_from(bp.get_binned_variable(s.name), s).iv)
        dropped.pop(best.name)
        cards = [_card_from(bp.get_binned_variable(best.name), best)]
    idx = {c.name: c.bin_index(frame) for c in cards}
    while True:
        woe = np.column_stack([c.woe_values(idx[c.name]) for c in cards])
        lr = LogisticRegression(C=c_reg, max_iter=2000).fit(woe, y)
        coef = lr.coef_[0]
        # WOE = ln(good share / bad share), so a sound card has negative coefficients. A positive
        # one is an artefact of correlated features and would reverse that feature's bin order.
        wrong = [i for i, b in enumerate(coef) if b > 0]
        if not wrong or len(cards) == 1:
            break
        worst = max(wrong, key=lambda i: coef[i])
        dropped[cards[worst].name] = "coefficient sign reversed by correlated features"
        cards.pop(worst)
    for c, b in zip(cards, coef):
        c.coef = float(b)
    intercept = float(lr.intercept_[0])
    _assign_points(cards, intercept, scaling)
    if not math.isfinite(intercept):
        raise ValueError("scorecard fit diverged")
    return Scorecard(cards, intercept, scaling), dropped
