"""A LightGBM model compiled into lookup tables over binned features: raw log-odds and per-feature
path attributions for a whole book with a few array gathers per row (no per-tree work per row).

Why: with hundreds of small trees, LightGBM's own prediction costs ~13 us per row on this machine
(pred_leaf about the same), so a million accounts take ~15 s before any reason code. But a tree's
output only depends on which side of its thresholds each of its (1-3) features falls, so:

1. every feature is cut into bins by all thresholds the model uses on it (plus a bin for exact
   zero, which LightGBM may route as missing, and one for NaN); a bin sends every row in it the
   same way at every split;
2. trees are grouped by the features they use (a tree joins a group whose features cover its own,
   or widens one while the group's cell count stays small), and each group becomes one table over
   the joint bins of its features: the sum of its trees' leaf values, and of their path
   attributions per feature (Saabas-style, see ``attribution``), evaluated once per cell with
   LightGBM's own decision rules (missing types, default directions, categorical sets);
3. scoring a row = one ``searchsorted`` per feature, then per group a cell index and gathers.

The result equals LightGBM's raw score to floating-point rounding (checked in the tests). Models
this cannot compile (a tree whose cells exceed ``MAX_CELLS``) return ``None``; the caller falls
back to ``pred_leaf`` + ``attribution``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_CELLS = 1 << 16  # per group table: 65,536 cells x (1 + features) float64 = well under 2 MB
K_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (float) as the double it compares with
ZERO_EDGES = (float(np.nextafter(-K_ZERO, -np.inf)), K_ZERO)  # bin (lo, hi] = LightGBM's "is zero"


@dataclass
class Group:
    features: list[int]
    strides: list[int]  # per feature: its weight in the cell index (cells are indexed by global bins)
    value: np.ndarray  # per cell: sum of the group's leaf values
    contrib: list[np.ndarray]  # per feature: per cell, its attribution


@dataclass
class LookupModel:
    n_features: int
    edges: list[np.ndarray]  # per feature: sorted bin edges (bin = searchsorted(edges, x, "left"))
    const: float  # single-leaf trees
    bias: float  # sum of the root values: raw = bias + sum of attributions
    groups: list[Group]

    def bins(self, columns) -> list[np.ndarray]:  # noqa: ANN001
        """Global bin of every row per feature (``columns``: one float array per feature, or a
        (rows, features) matrix); NaN gets the last bin (len(edges) + 1)."""
        out = []
        for e, col in zip(self.edges, columns.T if isinstance(columns, np.ndarray) else columns):
            b = np.searchsorted(e, col, side="left")  # intp: take() converts any other index type first
            b[np.isnan(col)] = len(e) + 1
            out.append(b)
        return out

    def raw_and_contributions(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Raw log-odds (n,) and attributions (n, features) of a design matrix."""
        raw, contrib = self.raw_and_feature_contributions(x)
        return raw, contrib.T

    def raw_and_feature_contributions(self, columns) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        """Raw log-odds (n,) and attributions feature-major (features, n): each feature's row is
        contiguous, which is how the reason codes read them."""
        bins = self.bins(columns)
        n = len(bins[0]) if bins else len(columns)
        raw = np.full(n, float(self.const))
        contrib = np.zeros((self.n_features, n))
        for g in self.groups:
            # the cell of each row: its global bins (local = global) in the group's mixed radix
            cell = bins[g.features[0]] * g.strides[0]
            for f, s in zip(g.features[1:], g.strides[1:]):
                cell += bins[f] * s if s != 1 else bins[f]
            # cells are in range by construction; "clip" skips take()'s bounds check (~1.5x faster)
            raw += g.value.take(cell, mode="clip")
            for f, c in zip(g.features, g.contrib):
                contrib[f] += c.take(cell, mode="clip")
        return raw, contrib


def compile_booster(booster, n_features: int) -> LookupModel | None:  # noqa: ANN001
    """Tables for a booster (see the module doc), or ``None`` when a tree is too wide to tabulate."""
    trees = [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    const = sum(float(t["leaf_value"]) for t in trees if "leaf_value" in t)
    trees = [t for t in trees if "leaf_value" not in t]
    cuts: list[set] = [set() for _ in range(n_features)]
    cat = [False] * n_features
    used = []
    for t in trees:
        feats = set()
        for node in _internal(t):
            f = node["split_feature"]
            feats.add(f)
            if node["decision_type"] == "==":
                cat[f] = True
                cuts[f].update(float(c) for c in str(node["threshold"]).split("||"))
            else:
                cuts[f].add(float(node["threshold"]))
        used.append(feats)
    edges = [_edges(cuts[f], cat[f]) for f in range(n_features)]
    groups = _group(trees, used, edges)
    if groups is None:
        return None
    bias = sum(float(t["internal_value"]) for t in trees)
    return LookupModel(n_features, edges, const, bias, [_table(ts, fs, edges, cat) for fs, ts in groups])


def _internal(node: dict):  # noqa: ANN202
    stack = [node]
    while stack:
        cur = stack.pop()
        if "leaf_value" not in cur:
            yield cur
            stack += [cur["left_child"], cur["right_child"]]


def _edges(cuts: set, categorical: bool) -> np.ndarray:
    if categorical:  # codes are integers: one bin per code up to the largest named in a split
        return np.arange(int(max(cuts)) + 1, dtype=np.float64)
    return np.array(sorted(cuts | set(ZERO_EDGES)), dtype=np.float64)


def _cells(feats, edges) -> int:  # noqa: ANN001
    return int(np.prod([len(edges[f]) + 2 for f in feats], dtype=np.float64))


def _group(trees, used, edges):  # noqa: ANN001, ANN202
    """Greedy grouping: widest trees first; join a covering group, else widen one within MAX_CELLS."""
    groups: list[tuple[list[int], list]] = []
    order = sorted(range(len(trees)), key=lambda i: -_cells(used[i], edges))
    for i in order:
        feats = used[i]
        if _cells(feats, edges) > MAX_CELLS:
            return None
        best = None
        for g in groups:
            if feats <= set(g[0]):
                best = g
                break
        if best is None:
            for g in groups:
                union = feats | set(g[0])
                if len(union) <= 3 and _cells(union, edges) <= MAX_CELLS:
                    best = g
                    g[0][:] = sorted(union)
                    break
        if best is None:
            best = (sorted(feats), [])
            groups.append(best)
        best[1].append(trees[i])
    return groups


def _table(trees: list[dict], feats: list[int], edges: list[np.ndarray], cat: list[bool]) -> Group:
    """Evaluate the group's trees once on a representative value of every cell."""
    sizes = [len(edges[f]) + 2 for f in feats]
    strides = [int(np.prod(sizes[j + 1:], dtype=np.int64)) for j in range(len(feats))]
    grid = np.indices(sizes).reshape(len(feats), -1)
    reps = {f: _reps(edges[f], cat[f])[grid[j]] for j, f in enumerate(feats)}
    n = grid.shape[1]
    value = np.zeros(n)
    contrib = {f: np.zeros(n) for f in feats}
    for t in trees:
        _walk(t, np.arange(n), reps, value, contrib)
    return Group(feats, strides, value, [contrib[f] for f in feats])


def _reps(e: np.ndarray, categorical: bool) -> np.ndarray:
    """A value inside each bin: its inclusive upper edge; above the last edge; NaN."""
    above = e[-1] + 1.0 if categorical else np.inf
    return np.concatenate([e, [above, np.nan]])


def _walk(node: dict, idx: np.ndarray, reps: dict, value: np.ndarray, contrib: dict) -> None:
    if "leaf_value" in node:
        value[idx] += node["leaf_value"]
        return
    f = node["split_feature"]
    left = _goes_left(node, reps[f][idx])
    for child, sel in ((node["left_child"], left), (node["right_child"], ~left)):
        child_value = child["leaf_value"] if "leaf_value" in child else child["internal_value"]
        contrib[f][idx[sel]] += child_value - node["internal_value"]
        _walk(child, idx[sel], reps, value, contrib)


def _goes_left(node: dict, v: np.ndarray) -> np.ndarray:
    """LightGBM's decision (tree.h NumericalDecision / CategoricalDecision) on values ``v``."""
    missing = node["missing_type"]
    nan = np.isnan(v)
    if node["decision_type"] == "==":  # NaN and negative codes go right; else "in the set"
        cats = [int(float(c)) for c in str(node["threshold"]).split("||")]
        return ~nan & np.isin(np.nan_to_num(v, nan=-1.0).astype(np.int64), cats)
    if missing != "NaN":
        v = np.where(nan, 0.0, v)
    left = v <= node["threshold"]
    default = (np.abs(v) <= K_ZERO) if missing == "Zero" else (np.isnan(v) if missing == "NaN" else None)
    if default is not None:
        left = np.where(default, bool(node["default_left"]), left)
    return left
