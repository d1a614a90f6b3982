"""users.blocked_at: when an administrator blocked the account

An invited account that has not signed in yet and a blocked one both have is_active false;
renewing an invitation could not tell them apart and re-activated blocked accounts.

Revision ID: 0010_users_blocked_at
Revises: 0011_trainings_updated_at
Create Date: 2026-12-02 05:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_users_blocked_at"
down_revision = "0011_trainings_updated_at"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("blocked_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("blocked_at")
