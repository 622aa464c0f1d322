"""Handoff outbox and agent desk tables.

Revision ID: handoff_0001
Revises: profile_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "handoff_0001"
down_revision = "profile_0001"
branch_labels = ("handoff",)
depends_on = None


def upgrade() -> None:
    op.create_table('desk_agents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=128), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_agents')),
    sa.UniqueConstraint('username', name=op.f('uq_desk_agents_username'))
    )
    op.create_table('desk_event_cursors',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_desk_event_cursors'))
    )
    op.create_table('handoff_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('handoff_id', sa.String(length=36), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('schema_version', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handoff_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_handoff_outbox_idempotency_key'))
    )
    with op.batch_alter_table('handoff_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_outbox_due', ['status', 'next_attempt_at'], unique=False)

    op.create_table('desk_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['desk_agents.id'], name=op.f('fk_desk_sessions_agent_id_desk_agents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_desk_sessions_token_hash'))
    )
    op.create_table('desk_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('handoff_id', sa.String(length=36), nullable=False),
    sa.Column('conversation_id', sa.String(length=255), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('customer_name', sa.String(length=255), nullable=True),
    sa.Column('segment', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('sentiment', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assigned_agent_id', sa.Integer(), nullable=True),
    sa.Column('after_hours', sa.Boolean(), nullable=False),
    sa.Column('callback_requested', sa.Boolean(), nullable=False),
    sa.Column('handed_off_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('schema_version', sa.String(length=8), nullable=False),
    sa.Column('context_json', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['assigned_agent_id'], ['desk_agents.id'], name=op.f('fk_desk_tickets_assigned_agent_id_desk_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_tickets')),
    sa.UniqueConstraint('handoff_id', name=op.f('uq_desk_tickets_handoff_id')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_desk_tickets_idempotency_key'))
    )
    with op.batch_alter_table('desk_tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_tickets_conversation_id'), ['conversation_id'], unique=False)

    op.create_table('desk_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('speaker', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('delivery', sa.String(length=16), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('source_key', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['desk_agents.id'], name=op.f('fk_desk_messages_agent_id_desk_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], name=op.f('fk_desk_messages_ticket_id_desk_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_messages')),
    sa.UniqueConstraint('source_key', name=op.f('uq_desk_messages_source_key'))
    )
    with op.batch_alter_table('desk_messages', schema=None) as batch_op:
        batch_op.create_index('ix_desk_messages_ticket', ['ticket_id', 'id'], unique=False)

    op.create_table('desk_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['desk_agents.id'], name=op.f('fk_desk_notes_agent_id_desk_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['desk_tickets.id'], name=op.f('fk_desk_notes_ticket_id_desk_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_desk_notes'))
    )


def downgrade() -> None:
    op.drop_table('desk_notes')
    with op.batch_alter_table('desk_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_messages_ticket')

    op.drop_table('desk_messages')
    with op.batch_alter_table('desk_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_tickets_conversation_id'))

    op.drop_table('desk_tickets')
    op.drop_table('desk_sessions')
    with op.batch_alter_table('handoff_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_handoff_outbox_due')

    op.drop_table('handoff_outbox')
    op.drop_table('desk_event_cursors')
    op.drop_table('desk_agents')
