"""outbox: messages, contact events, replies, reply actions

Revision ID: 0100
Revises: 0002
Create Date: 2026-11-22 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = "0100"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('action_id', sa.String(length=64), nullable=True),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('case_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('adapter', sa.String(length=32), nullable=True),
    sa.Column('template', sa.String(length=64), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('purpose', sa.String(length=24), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('not_before', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('in_doubt', sa.Boolean(), nullable=False),
    sa.Column('provider_id', sa.String(length=200), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('gate_rules', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_messages_borrower_id_borrowers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_messages_idempotency_key'))
    )
    op.create_index(op.f('ix_messages_action_id'), 'messages', ['action_id'], unique=False)
    op.create_index(op.f('ix_messages_borrower_id'), 'messages', ['borrower_id'], unique=False)
    op.create_index(op.f('ix_messages_provider_id'), 'messages', ['provider_id'], unique=False)
    op.create_index('ix_messages_status_not_before', 'messages', ['status', 'not_before'], unique=False)
    op.create_table('contact_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_ids', sa.JSON(), nullable=False),
    sa.Column('debt_ids', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('talk_seconds', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_contact_events_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_contact_events_message_id_messages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_events'))
    )
    op.create_index('ix_contact_events_borrower_id_at', 'contact_events', ['borrower_id', 'at'], unique=False)
    op.create_index(op.f('ix_contact_events_message_id'), 'contact_events', ['message_id'], unique=False)
    op.create_table('replies',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('contact_event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=24), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('intent', sa.String(length=24), nullable=False),
    sa.Column('intents', sa.JSON(), nullable=False),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('date', sa.Date(), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_replies_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['contact_event_id'], ['contact_events.id'], name=op.f('fk_replies_contact_event_id_contact_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies'))
    )
    op.create_index(op.f('ix_replies_borrower_id'), 'replies', ['borrower_id'], unique=False)
    op.create_index(op.f('ix_replies_contact_event_id'), 'replies', ['contact_event_id'], unique=False)
    op.create_table('reply_actions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('reply_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('borrower_id', sa.String(length=64), nullable=False),
    sa.Column('loan_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('hold_kind', sa.String(length=16), nullable=True),
    sa.Column('form', sa.String(length=8), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('channel', sa.String(length=24), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('journal_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['borrower_id'], ['borrowers.id'], name=op.f('fk_reply_actions_borrower_id_borrowers')),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reply_actions_reply_id_replies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_actions'))
    )
    op.create_index(op.f('ix_reply_actions_borrower_id'), 'reply_actions', ['borrower_id'], unique=False)
    op.create_index(op.f('ix_reply_actions_reply_id'), 'reply_actions', ['reply_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reply_actions_reply_id'), table_name='reply_actions')
    op.drop_index(op.f('ix_reply_actions_borrower_id'), table_name='reply_actions')
    op.drop_table('reply_actions')
    op.drop_index(op.f('ix_replies_contact_event_id'), table_name='replies')
    op.drop_index(op.f('ix_replies_borrower_id'), table_name='replies')
    op.drop_table('replies')
    op.drop_index(op.f('ix_contact_events_message_id'), table_name='contact_events')
    op.drop_index('ix_contact_events_borrower_id_at', table_name='contact_events')
    op.drop_table('contact_events')
    op.drop_index('ix_messages_status_not_before', table_name='messages')
    op.drop_index(op.f('ix_messages_provider_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_borrower_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_action_id'), table_name='messages')
    op.drop_table('messages')
