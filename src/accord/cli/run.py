"""CLI: ``accord run --as-of DATE`` — the daily cycle (contracts.md "Delinquency report", "Daily actions")."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        as_of: str = typer.Option(..., "--as-of", help="Business date to run (YYYY-MM-DD)."),
        snapshots_from: str = typer.Option(None, "--snapshots-from",
                                           help="First run only: keep daily snapshots from this date "
                                                "(default: only the as-of date)."),
        ledger_only: bool = typer.Option(False, "--ledger-only",
                                         help="Only the ledger and delinquency step (no cases, plan or outbox)."),
        strategy: str = typer.Option(None, "--strategy", help="Strategy YAML (default: ACCORD_STRATEGY_FILE or the shipped ladder)."),
        fmt: str = typer.Option("table", "--format"),
    ) -> None:
        """Run the daily cycle for a date, catching up every day since the last run. Idempotent and
        resumable: each step commits, and a re-run continues at the first unfinished step."""
        from accord.batch.pipeline import run_pipeline
        from accord.cli._common import check_format, err, parse_date_arg, print_json

        check_format(fmt)
        day = parse_date_arg(as_of)
        snap = parse_date_arg(snapshots_from, "--snapshots-from") if snapshots_from else None
        strat = None
        if strategy:
            from accord.strategy.schema import load_strategy

            strat = load_strategy(strategy)
        with err.status(f"running {day} ...") as status:
            report = run_pipeline(day, snapshot_from=snap, strategy=strat, only_ledger=ledger_only,
                                  progress=lambda step: status.update(f"running {day}: {step} ..."))
        led = report.ledger
        if fmt == "json":
            print_json({"as_of": str(day), "already_done": led.already_done and not report.steps,
                        "processed_from": str(led.processed_from) if led.processed_from else None,
                        "days": led.days, "counts": led.counts, "steps": report.steps,
                        "timings": {k: round(v, 3) for k, v in {**led.timings, **report.timings}.items()},
                        "peak_rss_mib": report.memory})
            return
        if led.already_done and not report.steps:
            err.print(f"{day} was already run; nothing to do")
            return
        if not led.already_done:
            err.print(f"ran {led.processed_from} .. {day} ({led.days} day(s)): "
                      + ", ".join(f"{k} {v}" for k, v in led.counts.items() if not isinstance(v, dict)))
            if "buckets" in led.counts:
                err.print("buckets: " + ", ".join(f"{b} {n}" for b, n in led.counts["buckets"].items()))
        for step, result in report.steps.items():
            flat = ", ".join(f"{k} {v}" for k, v in (result or {}).items() if not isinstance(v, (dict, list)))
            err.print(f"{step}: {flat}")
