"""the procurement section's workspace (issue 15): answer counts per day and kind, what the
section did with the questions to act on, and attendance on course enrolments.

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "answer_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("day", "kind", name="uq_answer_tally_day_kind"),
    )
    with op.batch_alter_table("answer_tally", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answer_tally_day"), ["day"], unique=False)
    op.create_table(
        "question_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("agreement_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("question_action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_action_question_key"), ["question_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_question_action_created_at"), ["created_at"], unique=False)
    with op.batch_alter_table("course_enrolment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attended", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("attendance_marked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("course_enrolment", schema=None) as batch_op:
        batch_op.drop_column("attendance_marked_at")
        batch_op.drop_column("attended")
    with op.batch_alter_table("question_action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_action_created_at"))
        batch_op.drop_index(batch_op.f("ix_question_action_question_key"))
    op.drop_table("question_action")
    with op.batch_alter_table("answer_tally", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answer_tally_day"))
    op.drop_table("answer_tally")
