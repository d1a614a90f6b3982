"""users.line_manager_id: the line manager HR sets

Development plans were visible to any hiring manager who had put the person on a project of
their own; the line manager, set by HR, replaces that self-granted relationship.

Revision ID: 0011_users_line_manager
Revises: 0010_users_blocked_at
Create Date: 2026-12-02 05:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_users_line_manager"
down_revision = "0010_users_blocked_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_manager_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_users_line_manager_id"), ["line_manager_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_users_line_manager_id_users"),
            "users",
            ["line_manager_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_users_line_manager_id_users"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_users_line_manager_id"))
        batch_op.drop_column("line_manager_id")
