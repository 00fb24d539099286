"""CLI: ``accord init`` creates or migrates the schema (safe to run twice)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init() -> None:
        """Create or migrate the database schema (Alembic); safe to run twice."""
        from accord.cli._common import err
        from accord.config import get_settings
        from accord.kit.migrate import current_revision, upgrade

        url = get_settings().database_url
        upgrade(url)
        err.print(f"database ready at revision {current_revision(url)}")
