"""score_monitoring: the daily PSI of each target's scores and top features, with a warn status

Revision ID: 0310
Revises: 0300
Create Date: 2026-11-22 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0310"
down_revision = "0300"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "score_monitoring",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("variable", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("model_version", sa.String(length=120), nullable=False),
        sa.Column("psi", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("as_of", "target", "variable", name=op.f("pk_score_monitoring")),
    )


def downgrade() -> None:
    op.drop_table("score_monitoring")
