"""gate decisions: every allow and block with its rule ids

Revision ID: 0500
Revises: 0002
Create Date: 2026-11-22 07:15:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0500"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("policy", sa.String(length=8), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("decision", sa.String(length=8), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("action_id", sa.String(length=80), nullable=True),
        sa.Column("borrower_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decisions")),
    )
    op.create_index("ix_gate_decisions_borrower_planned", "gate_decisions", ["borrower_id", "planned_at"])
    op.create_index("ix_gate_decisions_at", "gate_decisions", ["at"])
    op.create_index(op.f("ix_gate_decisions_action_id"), "gate_decisions", ["action_id"])


def downgrade() -> None:
    op.drop_table("gate_decisions")
