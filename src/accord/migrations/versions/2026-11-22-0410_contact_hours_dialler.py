"""contact hours learnt per borrower; dialler results (idempotent outcome import); an index of unpaid
installments by due date (pre-due cases)

Revision ID: 0410
Revises: 0400
Create Date: 2026-11-22 04:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0410"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contact_hours",
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("positives", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("borrower_id", "hour", name=op.f("pk_contact_hours")),
    )
    op.create_table(
        "dialler_results",
        sa.Column("action_id", sa.String(length=80), nullable=False),
        sa.Column("contact_event_id", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_dialler_results")),
    )


    op.create_index("ix_installments_unsettled_due", "installments", ["due_on"],
                    sqlite_where=sa.text("settled_on IS NULL"), postgresql_where=sa.text("settled_on IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_installments_unsettled_due", table_name="installments")
    op.drop_table("dialler_results")
    op.drop_table("contact_hours")
