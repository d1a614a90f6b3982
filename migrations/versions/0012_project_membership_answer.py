"""evaluation_project_members: a candidate's answer to the request to join a project

Adding a candidate used to make them a member at once, with their self-assessment shown to the
evaluators. Now the owner's addition is a request: the person accepts or declines it, and
chooses whether the evaluators see their latest self-assessment. Memberships that existed
before are kept as accepted, with the self-assessment not shared until the person says so.

Revision ID: 0012_project_membership_answer
Revises: 0011_users_line_manager
Create Date: 2026-12-02 08:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0012_project_membership_answer"
down_revision = "0011_users_line_manager"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evaluation_project_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="accepted")
        )
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "shares_self_assessment", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column("invited_name", sa.String(length=120), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_evaluation_project_members_status_is_known"),
            "status IN ('invited', 'accepted', 'declined')",
        )
        batch_op.create_check_constraint(
            op.f("ck_evaluation_project_members_only_candidates_are_invited"),
            "role = 'candidate' OR status = 'accepted'",
        )


def downgrade():
    with op.batch_alter_table("evaluation_project_members", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_evaluation_project_members_only_candidates_are_invited"), type_="check"
        )
        batch_op.drop_constraint(
            op.f("ck_evaluation_project_members_status_is_known"), type_="check"
        )
        batch_op.drop_column("invited_name")
        batch_op.drop_column("shares_self_assessment")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("status")
