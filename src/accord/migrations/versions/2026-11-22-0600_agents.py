"""agents

Revision ID: 0600
Revises: 0002
Create Date: 2026-11-22 07:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0600"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("daily_capacity", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=True),
        sa.Column("can_see_pii", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
    )


def downgrade() -> None:
    op.drop_table("agents")
