"""CLI: ``accord import`` (contracts.md "Loan book import")."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        paths: list[Path] = typer.Argument(..., help="A directory or files: borrowers, loans, schedule, payments."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Validate only; write nothing."),
        mapping: Path = typer.Option(None, "--mapping", help="YAML mapping from another system's columns."),
        fmt: str = typer.Option("table", "--format", help="table or json"),
    ) -> None:
        """Import a loan book: all-or-nothing, idempotent by ids; payments applied once."""
        from accord.cli._common import check_format, err, print_json
        from accord.kit.db import session_scope
        from accord.loans.importing.service import import_files

        check_format(fmt)
        with session_scope() as session:
            report = import_files(session, list(paths), mapping=mapping, dry_run=dry_run)
        if fmt == "json":
            print_json(report.as_dict())
            return
        verb = "would import" if dry_run else "imported"
        for kind, n in report.new.items():
            err.print(f"{verb} {n} new {kind} ({report.unchanged[kind]} unchanged)")
        if report.journal_seq:
            err.print(f"journal event {report.journal_seq}")
