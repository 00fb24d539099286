"""scores: batch scores of the book per day, loan and target, with the model version

Revision ID: 0300
Revises: 0002
Create Date: 2026-11-22 03:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0300"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scores",
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("loan_pk", sa.BigInteger(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("model_version", sa.String(length=120), nullable=False),
        sa.Column("p_bad", sa.Float(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["loan_pk"], ["loans.pk"], name=op.f("fk_scores_loan_pk_loans")),
        sa.PrimaryKeyConstraint("as_of", "loan_pk", "target", name=op.f("pk_scores")),
    )


def downgrade() -> None:
    op.drop_table("scores")
