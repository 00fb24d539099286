"""All migrations together create exactly what the models describe — every table, column, type,
index and constraint of every feature — on SQLite and on PostgreSQL. One test for the whole schema, so
a feature that adds a table or an index without its migration (or the reverse) fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.kit.all_models import metadata
from accord.kit.db import engine_for, normalise_url


def test_migrated_schema_matches_every_model(db_url):
    with engine_for(normalise_url(db_url)).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert set(metadata.tables) <= set(conn.dialect.get_table_names(conn))
        diffs = compare_metadata(ctx, metadata)
    assert diffs == []
