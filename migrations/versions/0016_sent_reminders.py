"""sent_reminders: one row per reminder sent, so each goes out exactly once

Revision ID: 0016_sent_reminders
Revises: 0015_password_resets
Create Date: 2026-12-02 11:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_sent_reminders"
down_revision = "0015_password_resets"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sent_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject_key", sa.String(length=60), nullable=False),
        sa.Column("milestone", sa.String(length=20), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["users.id"],
            name=op.f("fk_sent_reminders_recipient_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_reminders")),
        sa.UniqueConstraint("kind", "subject_key", "milestone", name="uq_sent_reminders_once"),
    )
    with op.batch_alter_table("sent_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_reminders_recipient_id"), ["recipient_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("sent_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_reminders_recipient_id"))
    op.drop_table("sent_reminders")
