"""CLI: ``accord model train | score | report | monitor | register | champion`` (contracts.md,
"Scoring models"). Thin: parse, call ``accord.scoring.service``, print."""

from __future__ import annotations

from pathlib import Path

import typer

model_app = typer.Typer(help="Risk models: train, score, report, monitor, registry.", no_args_is_help=True)


@model_app.command("train")
def train(
    data: Path = typer.Option(..., "--data", help="Feature table (CSV or Parquet)."),
    target: str = typer.Option(..., "--target", help="Target column: 1 = bad (did not repay), 0 = good."),
    id_column: str = typer.Option(..., "--id", help="Id column (never a feature)."),
    out: Path = typer.Option(..., "--out", help="Model directory to write."),
    kind: str = typer.Option(None, "--kind", help="gbm or scorecard; default: train both, keep the better."),
    time_column: str = typer.Option(None, "--time", help="Date column: validate out-of-time on the latest rows."),
    jurisdiction: str = typer.Option("ALL", "--jurisdiction", help="CN, US, UK or ALL: which protected attributes apply."),
    exclude: list[str] = typer.Option([], "--exclude", help="Another column to leave out (repeatable)."),
    protected_list: Path = typer.Option(None, "--protected-list", help="YAML replacing the built-in protected-attribute list."),
    calibration: str = typer.Option("platt", "--calibration", help="platt or isotonic."),
    base_score: float = typer.Option(600.0, "--base-score"),
    base_odds: float = typer.Option(50.0, "--base-odds", help="Good:bad odds at the base score."),
    pdo: float = typer.Option(20.0, "--pdo", help="Points to double the odds."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Train on any feature table and write a model directory (model.json, metrics.json, artefacts)."""
    from accord.cli._common import check_format, err, print_json
    from accord.kit.errors import InputError
    from accord.scoring import service
    from accord.scoring.calibration import METHODS
    from accord.scoring.scaling import Scaling
    from accord.scoring.training import KINDS, TrainOptions

    check_format(fmt)
    if kind is not None and kind not in KINDS:
        raise InputError(f"--kind must be gbm or scorecard, not {kind!r}")
    if calibration not in METHODS:
        raise InputError(f"--calibration must be platt or isotonic, not {calibration!r}")
    if pdo <= 0 or base_odds <= 0:
        raise InputError("--pdo and --base-odds must be positive")
    from accord.scoring.protected import forbidden_categories

    forbidden_categories(jurisdiction, str(protected_list) if protected_list else None)  # exit 2 if unknown
    options = TrainOptions(kind=kind, time_column=time_column, jurisdiction=jurisdiction,
                           exclude=tuple(exclude), calibration=calibration,
                           protected_config=str(protected_list) if protected_list else None,
                           scaling=Scaling(base_score, base_odds, pdo))
    err.print(f"training {kind or 'scorecard and gbm'} on {data} ...")
    result = service.train_file(data, target, id_column, out, options)
    meta = result.model.meta
    summary = {"model": str(out), "version": meta["version"], "kind": meta["kind"], "target": target,
               "metrics": meta["metrics"]["validation"], "candidates": result.candidates,
               "features": [f["name"] for f in meta["features"]], "excluded": meta["excluded"],
               "split": meta["split"], "rows": meta["rows"]}
    if fmt == "json":
        print_json(summary)
        return
    _print_summary(meta, result.candidates, out)


def _print_summary(meta: dict, candidates: dict, out: Path) -> None:
    from rich.table import Table

    from accord.cli._common import out as console

    table = Table(title=f"{meta['target']}: validation ({meta['split']})")
    for col in ("model", "AUC", "Gini", "KS", "rows", "bad rate"):
        table.add_column(col, justify="left" if col == "model" else "right")
    for kind, m in candidates.items():
        mark = " (kept)" if kind == meta["kind"] else ""
        table.add_row(kind + mark, f"{m['auc']:.3f}", f"{m['gini']:.3f}", f"{m['ks']:.3f}", str(m["rows"]),
                      f"{m['bad_rate']:.1%}")
    console.print(table)
    console.print(f"features used: {len(meta['features'])}")
    for name, reason in meta["excluded"].items():
        console.print(f"  excluded {name}: {reason}", markup=False)
    console.print(f"model {meta['version']} written to {out}", markup=False)


@model_app.command("score")
def score(
    model: Path = typer.Option(..., "--model", help="Model directory."),
    data: Path = typer.Option(..., "--data", help="Feature table (CSV or Parquet)."),
    out: Path = typer.Option(..., "--out", help="CSV to write: id, p_bad, score, reason_1..3."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Score a table: writes the id column, p_bad (0-1), score points and the top reason codes."""
    from accord.cli._common import check_format, print_json
    from accord.scoring import service

    check_format(fmt)
    summary = service.score_file(model, data, out)
    if fmt == "json":
        print_json(summary)
    else:
        typer.echo(f"scored {summary['rows']} rows with {summary['model']} -> {summary['out']}")
        if summary["ignored_columns"]:
            typer.echo(f"ignored columns the model does not use: {', '.join(summary['ignored_columns'])}")


@model_app.command("report")
def report(
    directory: Path = typer.Argument(..., help="Model directory."),
    out: Path = typer.Option(None, "--out", help="HTML file (default: DIR/report.html)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Render the validation report as a self-contained HTML page, with a terminal summary."""
    from accord.cli._common import check_format, print_json
    from accord.scoring import service

    check_format(fmt)
    model, path = service.report(directory, out)
    meta = model.meta
    if fmt == "json":
        print_json({"report": str(path), "version": meta["version"], "kind": meta["kind"],
                    "metrics": meta["metrics"]["validation"], "lift": model.validation.get("lift", []),
                    "excluded": meta["excluded"]})
        return
    from rich.table import Table

    from accord.cli._common import out as console

    _print_summary(meta, meta["metrics"]["candidates"], directory)
    lift = Table(title="lift by decile (validation, 1 = riskiest)")
    for col in ("decile", "rows", "bad rate", "capture", "lift"):
        lift.add_column(col, justify="right")
    for r in model.validation.get("lift", []):
        lift.add_row(str(r["decile"]), str(r["rows"]), f"{r['bad_rate']:.1%}", f"{r['cum_capture']:.1%}",
                     f"{r['lift']:.2f}")
    console.print(lift)
    console.print(f"report written to {path}", markup=False)


@model_app.command("monitor")
def monitor(
    model: Path = typer.Option(None, "--model", help="Model directory (with --data: check a table now)."),
    data: Path = typer.Option(None, "--data", help="New population (CSV or Parquet)."),
    reference: Path = typer.Option(None, "--reference", help="Reference table (default: the development sample profile)."),
    target: str = typer.Option(None, "--target", help="Show the daily monitoring the run stored for this target."),
    start: str = typer.Option(None, "--from", help="With --target: first day (YYYY-MM-DD)."),
    end: str = typer.Option(None, "--to", help="With --target: last day (YYYY-MM-DD)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """PSI of scores and top features (warning above 0.25).

    --model DIR --data FILE checks a table now (exit 1 when any PSI is above 0.25); --target T
    shows the history the daily run stored for the book's scores, day by day."""
    from accord.cli._common import check_format, parse_date_arg, print_json
    from accord.kit.errors import InputError

    check_format(fmt)
    if target is not None:
        if model is not None or data is not None or reference is not None:
            raise InputError("--target shows the stored history; leave out --model, --data and --reference")
        a = parse_date_arg(start, "--from") if start else None
        b = parse_date_arg(end, "--to") if end else None
        if a and b and b < a:
            raise InputError("--to must not be before --from")
        _monitor_history(target, a, b, fmt)
        return
    if start or end:
        raise InputError("--from and --to go with --target")
    if model is None or data is None:
        raise InputError("name --model and --data (check a table), or --target (the stored daily history)")
    from accord.scoring import service

    rows = service.monitor_file(model, data, reference)
    if fmt == "json":
        print_json(rows)
    else:
        for r in rows:
            flag = "  WARNING: population shifted" if r["warning"] else ""
            typer.echo(f"{r['name']:<40} PSI {r['psi']:.4f}{flag}")
    if any(r["warning"] for r in rows):
        raise typer.Exit(1)


def _monitor_history(target: str, start, end, fmt: str) -> None:  # noqa: ANN001
    from accord.cli._common import out, print_json
    from accord.kit.db import session_scope
    from accord.scoring import drift_log

    with session_scope() as session:
        rows = drift_log.history(session, target, start, end)
    if fmt == "json":
        print_json(rows)
        return
    if not rows:
        typer.echo(f"no monitoring stored for target {target!r}"
                   + (f" between {start or '…'} and {end or '…'}" if start or end else "")
                   + " (the daily run stores it when it scores the book with a registered champion)")
        return
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"{target}: population stability (PSI vs development sample; warn above 0.25)")
    for col in ("day", "variable", "kind", "PSI", "status", "accounts", "model"):
        t.add_column(col, justify="right" if col in ("PSI", "accounts") else "left")
    for r in rows:
        status = "[bold red]warn[/]" if r["status"] == "warn" else "ok"
        t.add_row(r["as_of"], escape(r["variable"]), r["kind"], f"{r['psi']:.4f}", status, f"{r['accounts']:,}",
                  r["model_version"])
    out.print(t)


@model_app.command("register")
def register_model(
    directory: Path = typer.Argument(..., help="Model directory to register."),
    registry: Path = typer.Option(..., "--registry", help="Registry root folder."),
    champion: bool = typer.Option(False, "--champion", help="Also make it the champion for its target."),
) -> None:
    """Copy a model into the registry (the first one per target becomes champion)."""
    from accord.scoring import registry as reg
    from accord.scoring.registry import load_model

    version = reg.register(registry, directory)
    target = load_model(directory).target
    if champion:
        reg.set_champion(registry, target, version)
    typer.echo(f"registered {version}; champion for {target}: {reg.champion(registry, target).name}")


@model_app.command("champion")
def show_champion(
    registry: Path = typer.Option(..., "--registry", help="Registry root folder."),
    target: str = typer.Option(..., "--target"),
    set_version: str = typer.Option(None, "--set", help="Version to make champion."),
) -> None:
    """Show (or set) the champion model for a target."""
    from accord.scoring import registry as reg

    if set_version:
        reg.set_champion(registry, target, set_version)
    typer.echo(str(reg.champion(registry, target)))


def register(app: typer.Typer) -> None:
    app.add_typer(model_app, name="model")
