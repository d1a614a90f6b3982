"""certifications.catalogue_code: the catalogue entry a certification was recorded from

Revision ID: 0017_certification_catalogue
Revises: 0016_sent_reminders
Create Date: 2026-12-02 11:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017_certification_catalogue"
down_revision = "0016_sent_reminders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("catalogue_code", sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table("certifications", schema=None) as batch_op:
        batch_op.drop_column("catalogue_code")
