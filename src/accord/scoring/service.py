"""Orchestration for the CLI and other features: file in, model directory / CSV / HTML out."""

from __future__ import annotations

from pathlib import Path

from accord.kit.errors import InputError
from accord.scoring.tables import file_sha256, read_table


def train_file(data: str | Path, target: str, id_column: str, out: str | Path, options=None):
    """Train on a CSV / Parquet table and write the model directory; returns the ``TrainResult``."""
    from accord.scoring.registry import save_model
    from accord.scoring.training import train

    frame = read_table(data)
    result = train(frame, target, id_column, options, source=str(data), data_sha256=file_sha256(data))
    save_model(result.model, out)
    return result


def score_file(model_dir: str | Path, data: str | Path, out: str | Path) -> dict:
    """Score a table with a saved model and write a CSV (id, p_bad, score, reason_1..3)."""
    from accord.scoring.model import score_frame
    from accord.scoring.registry import load_model

    model = load_model(model_dir)
    frame = read_table(data)
    scored = score_frame(model, frame, source=str(data))
    out = Path(out)
    if out.parent and not out.parent.exists():
        raise InputError(f"{out}: the folder {out.parent} does not exist")
    scored.write_csv(out)
    p = scored["p_bad"]
    return {"model": model.version, "kind": model.kind, "rows": scored.height, "out": str(out),
            "mean_p_bad": float(p.mean()) if scored.height else None,
            "ignored_columns": [c for c in frame.columns
                                if c not in {s.name for s in model.specs} | {model.id_column}]}


def report(model_dir: str | Path, out: str | Path | None = None):
    """Write the HTML report (default ``DIR/report.html``); returns (model, path)."""
    from accord.scoring.registry import load_model
    from accord.scoring.report import write_report

    model = load_model(model_dir)
    path = Path(out) if out else Path(model_dir) / "report.html"
    return model, write_report(model, path)


def monitor_file(model_dir: str | Path, data: str | Path, reference: str | Path | None = None) -> list[dict]:
    """PSI of scores and top features for a new table against the model's development sample
    (or against a reference table)."""
    from accord.scoring.monitoring import drift
    from accord.scoring.registry import load_model

    model = load_model(model_dir)
    ref = read_table(reference) if reference else None
    return drift(model, read_table(data), ref)
