"""CLI: ``accord dialler export | import`` — the day's calls for a predictive / robot dialler and its
outcomes back. Thin: parse, call ``accord.dialler.service``, print."""

from __future__ import annotations

from pathlib import Path

import typer

dialler_app = typer.Typer(help="Hand the day's call actions to a dialler and import its call outcomes.",
                          no_args_is_help=True)


@dialler_app.command("export")
def export_cmd(
    day: str = typer.Option(..., "--date", help="Plan date (YYYY-MM-DD)."),
    out_file: Path = typer.Option(..., "--out", help="Call list to write: FILE.csv or FILE.json."),
    role: str = typer.Option("dialler", "--role",
                             help="Who reads the list: dialler or supervisor (full numbers), agent (masked)."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Write the day's callable call actions (gate re-checked now): action id, number, calling window in
    the borrower's zone, priority (1 = first)."""
    from accord.cli._common import check_format, err, parse_date_arg, print_json
    from accord.dialler.service import export_calls, write_export
    from accord.kit.db import session_scope
    from accord.kit.errors import InputError

    check_format(fmt)
    d = parse_date_arg(day, "--date")
    if out_file.suffix.lower() not in (".csv", ".json"):
        raise InputError(f"--out {out_file}: use a .csv or .json file name")
    with session_scope() as s:
        exp = export_calls(s, d, role=role)
        write_export(exp.rows, out_file)
    summary = {"date": d.isoformat(), "exported": len(exp.rows), "blocked": exp.blocked, "out": str(out_file)}
    if fmt == "json":
        print_json(summary)
        return
    err.print(f"{len(exp.rows)} call(s) written to {out_file}; {len(exp.blocked)} blocked by the gate now")
    for aid, rules in list(exp.blocked.items())[:20]:
        err.print(f"  blocked {aid}: {', '.join(rules)}")


@dialler_app.command("import")
def import_cmd(
    file: Path = typer.Argument(..., help="Outcomes: CSV or JSON with action_id, outcome, at [, talk_seconds, agent_id]."),
    fmt: str = typer.Option("table", "--format"),
) -> None:
    """Record the dialler's call outcomes as contact events (idempotent by action id; all bad rows are
    listed and nothing is written)."""
    from accord.cli._common import check_format, err, print_json
    from accord.dialler.service import import_outcomes
    from accord.kit.db import session_scope

    check_format(fmt)
    with session_scope() as s:
        res = import_outcomes(s, file)
    if fmt == "json":
        print_json({"recorded": res.recorded, "already_imported": res.already, "by_outcome": res.by_outcome})
        return
    err.print(f"recorded {res.recorded} call outcome(s), {res.already} already imported"
              + (": " + ", ".join(f"{k} {v}" for k, v in sorted(res.by_outcome.items())) if res.by_outcome else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(dialler_app, name="dialler")
