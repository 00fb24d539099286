"""The migration 0700 creates exactly what the arrangement model describes (no drift) on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.kit.all_models import metadata
from accord.kit.db import engine_for, normalise_url


def _touches(diff) -> bool:  # noqa: ANN001
    for op in diff if isinstance(diff, list) else [diff]:
        for part in op[1:] if isinstance(op, tuple) else ():
            table = getattr(part, "table", None)
            name = getattr(part, "name", None) if table is None else table.name
            if name == "arrangements" or part == "arrangements":
                return True
    return False


def test_migrated_schema_matches_the_arrangement_model(db_url):
    with engine_for(normalise_url(db_url)).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(ctx, metadata) if _touches(d)]
    assert diffs == []
