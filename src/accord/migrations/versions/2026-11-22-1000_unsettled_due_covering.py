"""the unpaid-installments-by-due-date index also carries the loan: the daily run's "which loans have
something due" read (batch.repository.busy_sql) becomes an index-only scan instead of one random table
read per overdue installment (11 s cold at 1M loans)

Revision ID: 1000
Revises: 0410
Create Date: 2026-11-22 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "1000"
down_revision = "0410"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_installments_unsettled_due", table_name="installments")
    op.create_index("ix_installments_unsettled_due", "installments", ["due_on", "loan_pk"],
                    sqlite_where=sa.text("settled_on IS NULL"), postgresql_where=sa.text("settled_on IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_installments_unsettled_due", table_name="installments")
    op.create_index("ix_installments_unsettled_due", "installments", ["due_on"],
                    sqlite_where=sa.text("settled_on IS NULL"), postgresql_where=sa.text("settled_on IS NULL"))
