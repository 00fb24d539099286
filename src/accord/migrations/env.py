"""Alembic environment: the URL comes from accord.kit.migrate (or ACCORD_DATABASE_URL)."""

from __future__ import annotations

from alembic import context

from accord.config import get_settings
from accord.kit.all_models import metadata
from accord.kit.db import engine_for, normalise_url

config = context.config
url = config.attributes.get("url") or normalise_url(get_settings().database_url)


def run_migrations() -> None:
    engine = engine_for(url)
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run_migrations()
