"""CLI: ``accord run --as-of DATE`` — the daily cycle (contracts.md "Delinquency report")."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        as_of: str = typer.Option(..., "--as-of", help="Business date to run (YYYY-MM-DD)."),
        snapshots_from: str = typer.Option(None, "--snapshots-from",
                                           help="First run only: keep daily snapshots from this date "
                                                "(default: only the as-of date)."),
        fmt: str = typer.Option("table", "--format"),
    ) -> None:
        """Run the daily cycle for a date, catching up every day since the last run. Idempotent."""
        from accord.batch.service import run_day
        from accord.cli._common import check_format, err, parse_date_arg, print_json
        from accord.kit.db import session_scope

        check_format(fmt)
        day = parse_date_arg(as_of)
        snap = parse_date_arg(snapshots_from, "--snapshots-from") if snapshots_from else None
        with err.status(f"running {day} ..."):
            with session_scope() as session:
                report = run_day(session, day, snapshot_from=snap)
        if fmt == "json":
            print_json({"as_of": str(day), "already_done": report.already_done,
                        "processed_from": str(report.processed_from) if report.processed_from else None,
                        "days": report.days, "counts": report.counts,
                        "timings": {k: round(v, 3) for k, v in report.timings.items()}})
            return
        if report.already_done:
            err.print(f"{day} was already run; nothing to do")
            return
        err.print(f"ran {report.processed_from} .. {day} ({report.days} day(s)): "
                  + ", ".join(f"{k} {v}" for k, v in report.counts.items() if not isinstance(v, dict)))
        if "buckets" in report.counts:
            err.print("buckets: " + ", ".join(f"{b} {n}" for b, n in report.counts["buckets"].items()))
