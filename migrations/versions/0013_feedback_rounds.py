"""feedback rounds: 360 and upward feedback from colleagues, stored so answers stay anonymous

Who was asked (feedback_raters) and what was answered (feedback_responses, feedback_answers)
live in separate tables with no link but a keyed receipt; responses carry a random key and no
time, so their order says nothing about who answered when.

Revision ID: 0013_feedback_rounds
Revises: 0012_project_membership_answer
Create Date: 2026-12-02 10:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_feedback_rounds"
down_revision = "0012_project_membership_answer"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("min_raters", sa.Integer(), nullable=False),
        sa.Column("managers_attributed", sa.Boolean(), nullable=False),
        sa.Column("withheld_groups", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "min_raters >= 3", name=op.f("ck_feedback_rounds_min_raters_at_least_floor")
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_feedback_rounds_framework_id_frameworks"),
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_feedback_rounds_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["users.id"], name=op.f("fk_feedback_rounds_subject_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_rounds")),
    )
    with op.batch_alter_table("feedback_rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_rounds_framework_id"), ["framework_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_rounds_opened_by_id"), ["opened_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_rounds_subject_id"), ["subject_id"], unique=False
        )

    op.create_table(
        "feedback_raters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=10), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("has_answered", sa.Boolean(), nullable=False),
        sa.Column("draft_comment", sa.Text(), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rater_group IN ('peer', 'report', 'manager', 'other')",
            name=op.f("ck_feedback_raters_group_is_known"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["users.id"], name=op.f("fk_feedback_raters_invited_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_raters_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feedback_raters_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_raters")),
        sa.UniqueConstraint("round_id", "email", name="uq_feedback_raters_round_email"),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_feedback_raters_token_sha256")),
    )
    with op.batch_alter_table("feedback_raters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_raters_invited_by_id"), ["invited_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_feedback_raters_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_raters_user_id"), ["user_id"], unique=False)

    op.create_table(
        "feedback_responses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=10), nullable=False),
        sa.Column("receipt", sa.String(length=64), nullable=False),
        sa.Column("attributed_to_id", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "attributed_to_id IS NULL OR rater_group = 'manager'",
            name=op.f("ck_feedback_responses_only_managers_attributed"),
        ),
        sa.CheckConstraint(
            "rater_group IN ('peer', 'report', 'manager', 'other')",
            name=op.f("ck_feedback_responses_group_is_known"),
        ),
        sa.ForeignKeyConstraint(
            ["attributed_to_id"],
            ["users.id"],
            name=op.f("fk_feedback_responses_attributed_to_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_responses_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_responses")),
        sa.UniqueConstraint("receipt", name=op.f("uq_feedback_responses_receipt")),
    )
    with op.batch_alter_table("feedback_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_responses_attributed_to_id"), ["attributed_to_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_responses_round_id"), ["round_id"], unique=False
        )

    op.create_table(
        "feedback_answers",
        sa.Column("response_id", sa.String(length=32), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_feedback_answers_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["feedback_responses.id"],
            name=op.f("fk_feedback_answers_response_id_feedback_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "competency_id", name=op.f("pk_feedback_answers")),
    )
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_answers_competency_id"), ["competency_id"], unique=False
        )

    op.create_table(
        "feedback_draft_answers",
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_feedback_draft_answers_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["feedback_raters.id"],
            name=op.f("fk_feedback_draft_answers_rater_id_feedback_raters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "rater_id", "competency_id", name=op.f("pk_feedback_draft_answers")
        ),
    )
    with op.batch_alter_table("feedback_draft_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_draft_answers_competency_id"), ["competency_id"], unique=False
        )

    op.create_table(
        "feedback_questions",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competency_id"],
            ["competencies.id"],
            name=op.f("fk_feedback_questions_competency_id_competencies"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["feedback_rounds.id"],
            name=op.f("fk_feedback_questions_round_id_feedback_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "competency_id", name=op.f("pk_feedback_questions")),
    )
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_questions_competency_id"), ["competency_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("feedback_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_questions_competency_id"))

    op.drop_table("feedback_questions")
    with op.batch_alter_table("feedback_draft_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_draft_answers_competency_id"))

    op.drop_table("feedback_draft_answers")
    with op.batch_alter_table("feedback_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_answers_competency_id"))

    op.drop_table("feedback_answers")
    with op.batch_alter_table("feedback_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_responses_round_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_responses_attributed_to_id"))

    op.drop_table("feedback_responses")
    with op.batch_alter_table("feedback_raters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_raters_user_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_raters_round_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_raters_invited_by_id"))

    op.drop_table("feedback_raters")
    with op.batch_alter_table("feedback_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_rounds_subject_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_rounds_opened_by_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_rounds_framework_id"))

    op.drop_table("feedback_rounds")
