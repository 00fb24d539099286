"""CLI: ``accord demo-data`` — a realistic synthetic portfolio straight into the database."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("demo-data")
    def demo_data(
        loans: int = typer.Option(3000, "--loans", min=1, help="Number of loans."),
        seed: int = typer.Option(1, "--seed", help="Random seed (ids are prefixed with it)."),
        as_of: str = typer.Option("2026-06-30", "--as-of", help="End of the generated payment history."),
        term: int = typer.Option(None, "--term", help="Force every loan to this many monthly installments."),
        late_factor: float = typer.Option(1.0, "--late-factor", min=0.01,
                                          help="Multiply the odds of late and defaulted installments "
                                               "(1 = the calibrated book; ~2.2 gives about 10 % delinquent)."),
    ) -> None:
        """Generate Chinese and English borrowers with hidden ability and willingness, mixed products,
        and a realistic delinquency tail, and load them."""
        from rich.progress import Progress

        from accord.cli._common import err, parse_date_arg
        from accord.kit.db import session_scope
        from accord.simulation.service import load_demo

        day = parse_date_arg(as_of)
        steps = ["generating portfolio", "writing borrowers", "writing loans", "writing installments",
                 "writing payments", "journalling"]
        with Progress(console=err, transient=False) as progress:
            task = progress.add_task("demo data", total=len(steps) + 1)

            def step(label: str) -> None:
                progress.update(task, advance=1 if progress.tasks[0].description != "demo data" else 0,
                                description=label)

            with session_scope() as session:
                counts = load_demo(session, loans, seed, day, term_months=term, progress=step,
                                   late_factor=late_factor)
                progress.update(task, description="committing", advance=1)
            progress.update(task, description="done", completed=len(steps) + 1)
        err.print(f"loaded {counts['loans']:,} loans, {counts['borrowers']:,} borrowers, "
                  f"{counts['payments']:,} payments (seed {seed}, history to {day})")
