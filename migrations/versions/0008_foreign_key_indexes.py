"""indexes on the foreign keys of the large tables

Deleting a row makes the database look for rows that still refer to it. Without an index on
the referring column that is a scan of the whole referring table per deleted row: erasing a
person's ratings (each may be superseded by a correction) or removing a training would read
a million-row table once per row.

Revision ID: 0010_foreign_key_indexes
Revises: 0006_plans
Create Date: 2026-11-26 10:40:00

"""

from alembic import op

revision = "0010_foreign_key_indexes"
down_revision = "0006_plans"
branch_labels = None
depends_on = None

INDEXES = [
    ("ratings", "supersedes_id"),
    ("ratings", "created_by_id"),
    ("assessments", "framework_id"),
    ("assessments", "role_profile_id"),
    ("enrollments", "training_id"),
    ("history_enrollments", "training_id"),
    ("level_observations", "person_id"),
    ("plan_goal_trainings", "training_id"),
]


def upgrade():
    for table, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def downgrade():
    for table, column in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
