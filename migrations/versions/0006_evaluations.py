"""evaluation projects, members, invitations; project link on assessments

Project rating sheets are assessments of kind "project" that point at their project: one per
(project, evaluator, candidate), never for oneself. No project-kind assessment could be
written before this revision (there was no way to create one), so the new check holds for
existing rows. Invitations keep only the SHA-256 digest of their one-time token.

Revision ID: 0004_evaluations
Revises: 0005_training
Create Date: 2026-11-26 04:10:30.144197

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004_evaluations"
down_revision = "0005_training"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_invitations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invitations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_invitations_token_sha256")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_user_id"), ["user_id"], unique=False)

    op.create_table(
        "evaluation_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("budget_cents", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=False),
        sa.Column("technologies", sa.JSON(), nullable=False),
        sa.Column("role_profile_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("is_results_released", sa.Boolean(), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('real', 'case')", name=op.f("ck_evaluation_projects_kind_is_known")
        ),
        sa.CheckConstraint(
            "(budget_cents IS NULL AND currency IS NULL) OR (budget_cents IS NOT NULL AND currency IS NOT NULL)",
            name=op.f("ck_evaluation_projects_budget_has_currency"),
        ),
        sa.CheckConstraint(
            "NOT is_results_released OR released_at IS NOT NULL",
            name=op.f("ck_evaluation_projects_released_has_time"),
        ),
        sa.CheckConstraint(
            "budget_cents IS NULL OR budget_cents >= 0",
            name=op.f("ck_evaluation_projects_budget_not_negative"),
        ),
        sa.CheckConstraint(
            "deadline_on >= start_on", name=op.f("ck_evaluation_projects_deadline_not_before_start")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_evaluation_projects_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["users.id"],
            name=op.f("fk_evaluation_projects_released_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["role_profile_id"],
            ["role_profiles.id"],
            name=op.f("fk_evaluation_projects_role_profile_id_role_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_projects")),
    )
    with op.batch_alter_table("evaluation_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_projects_owner_id"), ["owner_id"], unique=False
        )

    op.create_table(
        "evaluation_project_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "role IN ('co_evaluator', 'candidate')",
            name=op.f("ck_evaluation_project_members_role_is_known"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_evaluation_project_members_added_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["evaluation_projects.id"],
            name=op.f("fk_evaluation_project_members_project_id_evaluation_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_evaluation_project_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_project_members")),
        sa.UniqueConstraint("project_id", "user_id", name="uq_evaluation_project_members_person"),
    )
    with op.batch_alter_table("evaluation_project_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_project_members_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_project_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_assessments_evaluation_project_id"),
            ["evaluation_project_id"],
            unique=False,
        )
        batch_op.create_unique_constraint(
            "uq_assessments_project_sheet", ["evaluation_project_id", "assessor_id", "subject_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_assessments_evaluation_project_id_evaluation_projects"),
            "evaluation_projects",
            ["evaluation_project_id"],
            ["id"],
        )
        # Alembic's autogenerate does not see check constraints: written by hand.
        batch_op.create_check_constraint(
            "project_sheet_has_project",
            "(kind = 'project' AND evaluation_project_id IS NOT NULL) OR (kind != 'project' AND evaluation_project_id IS NULL)",
        )
        batch_op.create_check_constraint(
            "project_not_own", "kind != 'project' OR subject_id != assessor_id"
        )


def downgrade():
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_assessments_project_not_own"), type_="check")
        batch_op.drop_constraint(op.f("ck_assessments_project_sheet_has_project"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_assessments_evaluation_project_id_evaluation_projects"),
            type_="foreignkey",
        )
        batch_op.drop_constraint("uq_assessments_project_sheet", type_="unique")
        batch_op.drop_index(batch_op.f("ix_assessments_evaluation_project_id"))
        batch_op.drop_column("evaluation_project_id")

    with op.batch_alter_table("evaluation_project_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_project_members_user_id"))

    op.drop_table("evaluation_project_members")
    with op.batch_alter_table("evaluation_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_projects_owner_id"))

    op.drop_table("evaluation_projects")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_user_id"))

    op.drop_table("invitations")
