"""arrangements: repayment arrangements (plans, extensions, settlements, holidays, re-ageing)

Revision ID: 0700
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0700"
down_revision = "0002"
branch_labels = None
depends_on = "0200"

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "arrangements",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("loan_pk", BIG, nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("approval_needed", sa.String(length=12), nullable=False),
        sa.Column("breaches", sa.JSON(), nullable=False),
        sa.Column("approvals", sa.JSON(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("offered_by", sa.String(length=64), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("accepted_by", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("plan_nos", sa.JSON(), nullable=False),
        sa.Column("remainder_no", sa.Integer(), nullable=True),
        sa.Column("restructure", sa.JSON(), nullable=False),
        sa.Column("missed", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["loan_pk"], ["loans.pk"], name=op.f("fk_arrangements_loan_pk_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrangements")),
        sa.UniqueConstraint("request_id", name=op.f("uq_arrangements_request_id")),
    )
    with op.batch_alter_table("arrangements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arrangements_borrower_id"), ["borrower_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrangements_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrangements_loan_pk"), ["loan_pk"], unique=False)
        batch_op.create_index("ix_arrangements_status_loan", ["status", "loan_id"], unique=False)


def downgrade() -> None:
    op.drop_table("arrangements")
