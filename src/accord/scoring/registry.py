"""Model directories and the champion per target.

A model directory holds:
  model.json      metadata: version, kind, target, id column, features (+ importance), excluded
                  features with reasons, parameters, scaling, calibration, headline metrics,
                  training-data SHA-256, row counts, library versions, created_at, PSI reference
  metrics.json    validation detail: summary, ROC / KS curve points, lift and calibration by decile
  scorecard.json  (scorecard) bins, WOE, coefficients and points - what scoring applies
  scorecard.csv   (scorecard) the same card as a table for risk teams
  gbm.txt         (gbm) LightGBM's text model; gbm.json its feature coding
No pickle: every artefact is text that the libraries (or this package) read back exactly.

A registry root holds model directories as ``ROOT/<target>/<version>/`` and ``champions.json``
(target -> current champion version and the history of changes).
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from accord.kit.errors import InputError, ProblemError
from accord.scoring.calibration import Calibrator
from accord.scoring.model import Model

CHAMPIONS = "champions.json"


def _write_json(path: Path, data) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=_plain), encoding="utf-8")
    os.replace(tmp, path)


def _plain(value):
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no {what} here") from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: unreadable {what} ({exc})") from exc


def save_model(model: Model, directory: str | Path) -> Path:
    """Write ``model`` to ``directory`` (created; existing model files are replaced)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    est = model.estimator
    if model.kind == "scorecard":
        _write_json(d / "scorecard.json", est.to_dict())
        with open(d / "scorecard.csv", "w", newline="", encoding="utf-8") as fh:
            rows = est.table()
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()})
        stale = ("gbm.txt", "gbm.json")
    else:
        (d / "gbm.txt").write_text(est.model_text(), encoding="utf-8")
        _write_json(d / "gbm.json", est.to_dict())
        stale = ("scorecard.json", "scorecard.csv")
    for name in stale:
        (d / name).unlink(missing_ok=True)
    _write_json(d / "metrics.json", {"version": model.version, "kind": model.kind, **model.validation,
                                     "candidates": model.meta["metrics"]["candidates"]})
    _write_json(d / "model.json", model.meta)  # last: its presence marks a complete directory
    return d


def load_model(directory: str | Path) -> Model:
    """Read a model directory written by ``save_model``."""
    d = Path(directory)
    if not d.is_dir():
        raise InputError(f"{d}: no such model directory")
    meta = _read_json(d / "model.json", "model.json")
    metrics_path = d / "metrics.json"
    validation = _read_json(metrics_path, "metrics.json") if metrics_path.exists() else {}
    try:
        if meta["kind"] == "scorecard":
            from accord.scoring.scorecard import Scorecard

            est = Scorecard.from_dict(_read_json(d / "scorecard.json", "scorecard.json"))
        else:
            from accord.scoring.gbm import Gbm

            est = Gbm.from_parts(_read_json(d / "gbm.json", "gbm.json"), (d / "gbm.txt").read_text("utf-8"))
        calibrator = Calibrator.from_dict(meta["calibration"])
    except (KeyError, TypeError, OSError) as exc:
        raise InputError(f"{d}: incomplete model directory ({exc})") from exc
    return Model(est, calibrator, meta, validation)


def register(root: str | Path, model_dir: str | Path) -> str:
    """Copy a model directory into the registry as ``ROOT/<target>/<version>``; returns the version.
    The first model registered for a target becomes its champion."""
    root = Path(root)
    model = load_model(model_dir)
    dest = root / _safe(model.target) / model.version
    if dest.exists():
        if _read_json(dest / "model.json", "model.json")["training_data"] != model.meta["training_data"]:
            raise ProblemError(f"{dest}: version {model.version} is already registered with other data")
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(model_dir, dest)
    champions = _champions(root)
    if model.target not in champions:
        _set(root, champions, model.target, model.version)
    return model.version


def versions(root: str | Path, target: str) -> list[str]:
    """Registered versions for a target, oldest first."""
    folder = Path(root) / _safe(target)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if (p / "model.json").exists()]
    return [p.name for p in sorted(found, key=lambda p: _read_json(p / "model.json", "model.json")["created_at"])]


def set_champion(root: str | Path, target: str, version: str) -> None:
    """Make a registered version the champion for ``target``."""
    root = Path(root)
    if version not in versions(root, target):
        raise InputError(f"{root}: version {version!r} is not registered for target {target!r}")
    _set(root, _champions(root), target, version)


def champion(root: str | Path, target: str) -> Path:
    """Directory of the champion model for ``target``."""
    root = Path(root)
    entry = _champions(root).get(target)
    if not entry:
        raise ProblemError(f"{root}: no champion model for target {target!r}")
    return root / _safe(target) / entry["version"]


def load_champion(root: str | Path, target: str) -> Model:
    return load_model(champion(root, target))


def _champions(root: Path) -> dict:
    path = root / CHAMPIONS
    return _read_json(path, CHAMPIONS) if path.exists() else {}


def _set(root: Path, champions: dict, target: str, version: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    entry = champions.get(target, {"history": []})
    entry["history"] = [*entry.get("history", []), {"version": version, "since": now}]
    entry.update(version=version, since=now)
    champions[target] = entry
    root.mkdir(parents=True, exist_ok=True)
    _write_json(root / CHAMPIONS, champions)


def _safe(name: str) -> str:
    import re

    return re.sub(r"[^0-9A-Za-z_-]+", "_", name).strip("_") or "target"
