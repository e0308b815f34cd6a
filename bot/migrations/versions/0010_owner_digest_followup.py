"""agreement owners: copies of alert cards, follow-through of decisions, register flags (issue 16).

- `alert_card_copy`: which milestones each owner card (single alert or digest) shows, so a decision
  taken on one copy updates every copy;
- `alert_follow_up`: what the register must show after a decision and whether it does;
- `alert_register_flag`: what the procurement section must correct in the register;
- `alert_owner.note`: why an agreement was passed on (shown on the new owner's card).

Revision ID: 0010
Revises: 0009 (the lead re-chains after 0009 at merge)
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    with op.batch_alter_table("alert_owner", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "alert_card_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_key", S(length=300), nullable=False),
        sa.Column("card_kind", S(length=16), nullable=False),
        sa.Column("agreement_id", S(length=64), nullable=False),
        sa.Column("milestone", S(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("lang", S(length=2), nullable=False),
        sa.Column("recipient", S(length=320), nullable=False),
        sa.Column("passed_on_by", S(length=320), nullable=False),
        sa.Column("passed_on_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outbox_key", "agreement_id", "milestone", "due_date", name="uq_alert_card_copy"),
    )
    op.create_index("ix_alert_card_copy_outbox_key", "alert_card_copy", ["outbox_key"])
    op.create_index("ix_alert_card_copy_agreement_id", "alert_card_copy", ["agreement_id"])
    op.create_table(
        "alert_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", S(length=64), nullable=False),
        sa.Column("decision", S(length=32), nullable=False),
        sa.Column("expect", S(length=24), nullable=False),
        sa.Column("old_end_date", sa.Date(), nullable=True),
        sa.Column("decided_by", S(length=320), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("state", S(length=16), nullable=False),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("fulfilled_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alert_follow_up_agreement_id", "alert_follow_up", ["agreement_id"])
    op.create_index("ix_alert_follow_up_state", "alert_follow_up", ["state"])
    op.create_table(
        "alert_register_flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_key", S(length=300), nullable=False),
        sa.Column("agreement_id", S(length=64), nullable=False),
        sa.Column("kind", S(length=24), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("sync_run_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flag_key", name="uq_alert_register_flag"),
    )
    op.create_index("ix_alert_register_flag_agreement_id", "alert_register_flag", ["agreement_id"])


def downgrade() -> None:
    op.drop_table("alert_register_flag")
    op.drop_table("alert_follow_up")
    op.drop_table("alert_card_copy")
    with op.batch_alter_table("alert_owner", schema=None) as batch_op:
        batch_op.drop_column("note")
