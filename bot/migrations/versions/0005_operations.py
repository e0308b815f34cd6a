"""operations: tables of operations (issue 8): scheduler leases and the privacy log.

- `job_lease`: one row per (scheduled job, tick). The instance whose INSERT succeeds (unique
  constraint on job + tick) runs that tick; the others skip it. Works the same on SQLite and
  PostgreSQL, so several instances behave as one scheduler.
- `privacy_log`: what was exported or deleted under data-protection requests and retention
  runs — counts per table and a pseudonym of the person, never the e-mail or Entra id itself.

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("tick", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("acquired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job", "tick", name="uq_job_lease_job_tick"),
    )
    with op.batch_alter_table("job_lease", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_job_lease_acquired_at"), ["acquired_at"], unique=False)

    op.create_table(
        "privacy_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("privacy_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_log_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_log_created_at"))
    op.drop_table("privacy_log")
    with op.batch_alter_table("job_lease", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_lease_acquired_at"))
    op.drop_table("job_lease")
