"""assessments: target roles, qualifications, certifications, assessments, ratings, evidence

Ratings are append-only: partial unique indexes keep one current rating per competency and
assessment, one open self-assessment round per person and one current target role per person.

Revision ID: 0003_assessments
Revises: 0009_login_attempts
Create Date: 2026-11-26 03:43:24.504085

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_assessments'
down_revision = '0009_login_attempts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('obtained_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('credential_id', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("category IN ('project_management', 'programme_management', 'agile', 'it_service_management', 'technical', 'other')", name=op.f('ck_certifications_category_is_known')),
    sa.CheckConstraint('expires_on IS NULL OR expires_on >= obtained_on', name=op.f('ck_certifications_expiry_after_obtained')),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_certifications_person_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certifications'))
    )
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certifications_person_id'), ['person_id'], unique=False)

    op.create_table('qualifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('institution', sa.String(length=200), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('technical_informatics', 'electrical_engineering', 'technical_it_focus', 'comparable', 'it_specialist_training', 'other')", name=op.f('ck_qualifications_kind_is_known')),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_qualifications_person_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_qualifications'))
    )
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qualifications_person_id'), ['person_id'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('role_profile_id', sa.Integer(), nullable=True),
    sa.Column('round_number', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind != 'self' OR subject_id = assessor_id", name=op.f('ck_assessments_self_is_own')),
    sa.CheckConstraint("kind IN ('self', 'project')", name=op.f('ck_assessments_kind_is_known')),
    sa.CheckConstraint("status = 'draft' OR submitted_at IS NOT NULL", name=op.f('ck_assessments_submitted_has_time')),
    sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f('ck_assessments_status_is_known')),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_assessments_assessor_id_users')),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_assessments_framework_id_frameworks')),
    sa.ForeignKeyConstraint(['role_profile_id'], ['role_profiles.id'], name=op.f('fk_assessments_role_profile_id_role_profiles')),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_assessments_subject_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('subject_id', 'kind', 'round_number', name='uq_assessments_round')
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessments_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessments_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index('uq_assessments_open_self_round', ['subject_id'], unique=True, sqlite_where=sa.text("kind = 'self' AND status = 'draft'"), postgresql_where=sa.text("kind = 'self' AND status = 'draft'"))

    op.create_table('target_role_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role_profile_id', sa.Integer(), nullable=False),
    sa.Column('chosen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_target_role_choices_person_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_profile_id'], ['role_profiles.id'], name=op.f('fk_target_role_choices_role_profile_id_role_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_role_choices'))
    )
    with op.batch_alter_table('target_role_choices', schema=None) as batch_op:
        batch_op.create_index('ix_target_role_choices_person', ['person_id', 'chosen_at'], unique=False)
        batch_op.create_index('uq_target_role_choices_current', ['person_id'], unique=True, sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))

    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('file_stored_name', sa.String(length=64), nullable=True),
    sa.Column('file_original_name', sa.String(length=200), nullable=True),
    sa.Column('file_content_type', sa.String(length=100), nullable=True),
    sa.Column('file_size_bytes', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('project_artefact', 'certificate', 'observation', 'reference')", name=op.f('ck_evidence_kind_is_known')),
    sa.CheckConstraint("text != '' OR url IS NOT NULL OR file_stored_name IS NOT NULL", name=op.f('ck_evidence_has_content')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_evidence_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_evidence_competency_id_competencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evidence_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence')),
    sa.UniqueConstraint('file_stored_name', name=op.f('uq_evidence_file_stored_name'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_assessment_id'), ['assessment_id'], unique=False)

    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('confidence', sa.Integer(), nullable=True),
    sa.Column('interest', sa.Integer(), nullable=True),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('confidence IS NULL OR confidence BETWEEN 1 AND 3', name=op.f('ck_ratings_confidence_in_range')),
    sa.CheckConstraint('interest IS NULL OR interest BETWEEN 1 AND 3', name=op.f('ck_ratings_interest_in_range')),
    sa.CheckConstraint('level IS NULL OR level >= 0', name=op.f('ck_ratings_level_not_negative')),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], name=op.f('fk_ratings_assessment_id_assessments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_ratings_competency_id_competencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ratings_created_by_id_users')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['ratings.id'], name=op.f('fk_ratings_supersedes_id_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index('uq_ratings_current', ['assessment_id', 'competency_id'], unique=True, sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))



def downgrade():
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('uq_ratings_current', sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
        batch_op.drop_index(batch_op.f('ix_ratings_competency_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_assessment_id'))

    op.drop_table('ratings')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_assessment_id'))

    op.drop_table('evidence')
    with op.batch_alter_table('target_role_choices', schema=None) as batch_op:
        batch_op.drop_index('uq_target_role_choices_current', sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
        batch_op.drop_index('ix_target_role_choices_person')

    op.drop_table('target_role_choices')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('uq_assessments_open_self_round', sqlite_where=sa.text("kind = 'self' AND status = 'draft'"), postgresql_where=sa.text("kind = 'self' AND status = 'draft'"))
        batch_op.drop_index(batch_op.f('ix_assessments_subject_id'))
        batch_op.drop_index(batch_op.f('ix_assessments_assessor_id'))

    op.drop_table('assessments')
    with op.batch_alter_table('qualifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qualifications_person_id'))

    op.drop_table('qualifications')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certifications_person_id'))

    op.drop_table('certifications')
