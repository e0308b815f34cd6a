"""outbox and alerts: tables of alerts and the outbox (issue 6).

outbox: one row per recipient and proactive message (no foreign key to conversation_ref on
purpose: the target is copied at enqueue time and rows outlive deleted references).
alert_milestone / alert_decision / alert_owner: milestone state, decisions with who and when,
reassignments.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('milestone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('decided_by_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('decided_by_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('decided_by_aad_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('new_owner_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_alert_decision_agreement_id'), 'alert_decision', ['agreement_id'], unique=False)
    op.create_table('alert_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('milestone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('first_alerted_on', sa.Date(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('snoozed_until', sa.Date(), nullable=True),
    sa.Column('snooze_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agreement_id', 'milestone', 'due_date', name='uq_alert_milestone')
    )
    op.create_index(op.f('ix_alert_milestone_agreement_id'), 'alert_milestone', ['agreement_id'], unique=False)
    op.create_table('alert_owner',
    sa.Column('agreement_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('owner_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('register_owner_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('assigned_by', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('agreement_id')
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('conversation_ref_id', sa.Integer(), nullable=True),
    sa.Column('service_url', sa.Text(), nullable=False),
    sa.Column('conversation_id', sa.Text(), nullable=False),
    sa.Column('tenant_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('operation', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('target_activity_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('target_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('activity', sa.JSON(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('claimed_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_activity_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key', name='uq_outbox_idempotency_key')
    )
    op.create_index(op.f('ix_outbox_conversation_ref_id'), 'outbox', ['conversation_ref_id'], unique=False)
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_outbox_kind'), 'outbox', ['kind'], unique=False)
    op.create_index(op.f('ix_outbox_subject_id'), 'outbox', ['subject_id'], unique=False)



def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_subject_id'), table_name='outbox')
    op.drop_index(op.f('ix_outbox_kind'), table_name='outbox')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_index(op.f('ix_outbox_conversation_ref_id'), table_name='outbox')
    op.drop_table('outbox')
    op.drop_table('alert_owner')
    op.drop_index(op.f('ix_alert_milestone_agreement_id'), table_name='alert_milestone')
    op.drop_table('alert_milestone')
    op.drop_index(op.f('ix_alert_decision_agreement_id'), table_name='alert_decision')
    op.drop_table('alert_decision')
    # ### end Alembic commands ###
