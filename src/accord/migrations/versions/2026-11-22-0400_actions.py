"""actions planned by the daily run

Revision ID: 0400
Revises: 0002
Create Date: 2026-11-22 07:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0400"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "actions",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        sa.Column("loan_pk", sa.BigInteger(), nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("segment", sa.String(length=64), nullable=False),
        sa.Column("ladder", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("tone", sa.String(length=12), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("local_time", sa.String(length=20), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("arm", sa.String(length=64), nullable=False),
        sa.Column("experiment", sa.String(length=64), nullable=True),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actions")),
    )
    op.create_index("ix_actions_plan_date_status", "actions", ["plan_date", "status"])
    op.create_index(op.f("ix_actions_loan_pk"), "actions", ["loan_pk"])
    op.create_index(op.f("ix_actions_borrower_id"), "actions", ["borrower_id"])


def downgrade() -> None:
    op.drop_table("actions")
