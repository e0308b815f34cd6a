"""search (issue 11): taught answers — questions the procurement section or employees linked to
the agreement that answers them (or confirmed that none does); agreement.ranked — the register
ranks a parallel agreement's suppliers (their positions are the ranking).

Revision ID: 0006
Revises: 0005
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ranked", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "taught_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("agreement_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("taught_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("taught_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_taught_answer_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_taught_answer_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("taught_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_taught_answer_created_at"))
        batch_op.drop_index(batch_op.f("ix_taught_answer_agreement_id"))
    op.drop_table("taught_answer")
    with op.batch_alter_table("agreement", schema=None) as batch_op:
        batch_op.drop_column("ranked")
