"""Migration 0410 creates exactly what the models describe (contact_hours, dialler_results, the
unpaid-by-due-date index of installments), on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from accord.kit.all_models import metadata
from accord.kit.db import engine_for, normalise_url

OURS = {"contact_hours", "dialler_results", "installments"}  # installments: ix_installments_unsettled_due


def _touches_ours(diff) -> bool:  # noqa: ANN001
    items = diff if isinstance(diff, list) else [diff]
    for op in items:
        for part in op[1:] if isinstance(op, tuple) else ():
            table = getattr(part, "table", None)
            name = getattr(part, "name", None) if table is None else table.name
            if name in OURS or (isinstance(part, str) and part in OURS):
                return True
    return False


def test_migrated_schema_matches_the_models(db_url):
    with engine_for(normalise_url(db_url)).connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert OURS <= set(conn.dialect.get_table_names(conn))
        diffs = [d for d in compare_metadata(ctx, metadata) if _touches_ours(d)]
    assert diffs == []
