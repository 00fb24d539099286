"""agencies: collection agencies, placements of cases with them, placement history

Revision ID: 0800
Revises: 0002
Create Date: 2026-11-22 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = "0800"
down_revision = "0002"
branch_labels = None
# placements.case_id references cases (revision 0200, a sibling branch).
depends_on = "0200"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ACTIVE = sa.text("status IN ('notified', 'handed_over')")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("commission_rate", sa.String(length=40), nullable=False),
        sa.Column("commission_by_bucket", sa.JSON(), nullable=False),
        sa.Column("jurisdictions", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_evaluated_on", sa.Date(), nullable=True),
        sa.Column("evaluation_score", sa.Integer(), nullable=True),
        sa.Column("contract_ref", sa.String(length=120), nullable=True),
        sa.Column("dpa_ref", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agencies")),
    )
    op.create_table(
        "placements",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("case_id", BigId, nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("loan_pk", BigId, nullable=False),
        sa.Column("loan_id", sa.String(length=64), nullable=False),
        sa.Column("borrower_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("commission_rate", sa.String(length=40), nullable=False),
        sa.Column("bucket", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=96), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("placed_by", sa.String(length=64), nullable=False),
        sa.Column("notice_message_id", BigId, nullable=True),
        sa.Column("handover_on", sa.Date(), nullable=False),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("prev_owner_kind", sa.String(length=12), nullable=True),
        sa.Column("prev_owner_id", sa.String(length=64), nullable=True),
        sa.Column("prev_stage", sa.String(length=24), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_placements_case_id_cases")),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_placements_agency_id_agencies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placements_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placements_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index("ix_placements_agency_status", ["agency_id", "status"], unique=False)
        batch_op.create_index("uq_placements_active_case", ["case_id"], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_table(
        "placement_events",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("placement_id", BigId, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("journal_seq", BigId, nullable=True),
        sa.ForeignKeyConstraint(["placement_id"], ["placements.id"],
                                name=op.f("fk_placement_events_placement_id_placements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_events")),
    )
    with op.batch_alter_table("placement_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_events_placement_id"), ["placement_id"], unique=False)


def downgrade() -> None:
    op.drop_table("placement_events")
    op.drop_table("placements")
    op.drop_table("agencies")
