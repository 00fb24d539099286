"""The model report: one self-contained HTML page (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accord.scoring import svg
from accord.scoring.model import Model


def charts(validation: dict) -> dict[str, str]:
    """ROC, KS curve, bad rate by decile and calibration as SVG strings."""
    curve = validation["curve"]
    fpr, tpr, pop = (np.asarray(curve[k]) for k in ("fpr", "tpr", "population"))
    summary = validation["summary"]
    gap = tpr - fpr
    at = int(np.argmax(gap))
    lift, cal = validation["lift"], validation["calibration"]
    top = max([r["predicted"] for r in cal] + [r["observed"] for r in cal] + [0.05])
    top = min(1.0, float(np.ceil(top * 10) / 10))
    return {
        "roc": svg.line_chart(f"ROC (AUC {summary['auc']:.3f})", "false positive rate (goods)",
                              "true positive rate (bads)", [("model", fpr.tolist(), tpr.tolist())], diagonal=True),
        "ks": svg.line_chart(f"KS curve (KS {summary['ks']:.3f})", "share of population, riskiest first",
                             "cumulative share", [("bads", pop.tolist(), tpr.tolist()),
                                                  ("goods", pop.tolist(), fpr.tolist())],
                             vline=(float(pop[at]), float(fpr[at]), float(tpr[at]), f"KS {gap[at]:.3f}")),
        "deciles": svg.bar_chart("Bad rate by decile (1 = riskiest)", "decile", "bad rate",
                                 [str(r["decile"]) for r in lift], [r["bad_rate"] for r in lift],
                                 reference=summary["bad_rate"]),
        "calibration": svg.line_chart("Calibration: predicted vs observed", "mean predicted P(bad)",
                                      "observed bad rate",
                                      [("deciles", [r["predicted"] for r in cal], [r["observed"] for r in cal])],
                                      x_max=top, y_max=top, diagonal=True, markers=True),
    }


def render_html(model: Model) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=PackageLoader("accord.scoring", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    env.filters["pct"] = lambda v: f"{100 * v:.1f} %"
    env.filters["f3"] = lambda v: "" if v is None or v != v else f"{v:.3f}"
    validation = model.validation
    svgs = {k: Markup(v) for k, v in charts(validation).items()} if validation.get("curve") else {}
    card = model.estimator.table() if model.kind == "scorecard" else []
    features = sorted(model.meta["features"], key=lambda f: -f.get("importance", 0.0))
    return env.get_template("report.html.j2").render(
        meta=model.meta, validation=validation, charts=svgs, card=card, features=features)


def write_report(model: Model, path: str | Path) -> Path:
    out = Path(path)
    out.write_text(render_html(model), encoding="utf-8")
    return out
