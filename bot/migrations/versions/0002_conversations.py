"""conversations: tables of the Teams bot (issue 4): conversation references, conversation state, feedback, question log.

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation_ref",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("aad_object_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("conversation_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("bot_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("installed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("aad_object_id", "conversation_id", name="uq_conversation_ref_user_conv"),
    )
    with op.batch_alter_table("conversation_ref", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_ref_aad_object_id"), ["aad_object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_ref_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_ref_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conversation_ref_team_id"), ["team_id"], unique=False)

    op.create_table(
        "conversation_state",
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("agreement_ids", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("user_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_created_at"), ["created_at"], unique=False)

    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("question_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_log_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_log_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("question_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_question_log_kind"))
    op.drop_table("question_log")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_created_at"))
    op.drop_table("feedback")
    op.drop_table("conversation_state")
    with op.batch_alter_table("conversation_ref", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_ref_team_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_ref_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_conversation_ref_email"))
        batch_op.drop_index(batch_op.f("ix_conversation_ref_aad_object_id"))
    op.drop_table("conversation_ref")
