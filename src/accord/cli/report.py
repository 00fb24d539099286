"""CLI: report commands (to be filled)."""

import typer


def register(app: typer.Typer) -> None:
    pass
