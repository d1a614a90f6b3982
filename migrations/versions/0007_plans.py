"""plans: development plan versions, goals, linked trainings (enrollments), bulk export jobs

Revision ID: 0006_plans
Revises: 0004_evaluations
Create Date: 2026-11-26 04:22:40.302662

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_plans'
down_revision = '0004_evaluations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('export_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('selection_key', sa.String(length=64), nullable=False),
    sa.Column('selection', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_export_jobs_status_is_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_export_jobs_created_by_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_export_jobs')),
    sa.UniqueConstraint('created_by_id', 'idempotency_key', name='uq_export_jobs_idempotency_key')
    )
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_export_jobs_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_jobs_selection_key'), ['selection_key'], unique=False)

    op.create_table('development_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('previous_version_id', sa.Integer(), nullable=True),
    sa.Column('role_profile_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('budget_limit', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('over_budget_reason', sa.Text(), nullable=False),
    sa.Column('return_comment', sa.Text(), nullable=False),
    sa.Column('approval_note', sa.Text(), nullable=False),
    sa.Column('archive_note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(), nullable=True),
    sa.Column('returned_by_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.Column('archived_by_id', sa.Integer(), nullable=True),
    sa.Column('archived_at', sa.DateTime(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("currency IN ('EUR', 'CHF', 'GBP', 'USD')", name=op.f('ck_development_plans_currency_is_known')),
    sa.CheckConstraint("status IN ('draft', 'proposed', 'approved', 'archived')", name=op.f('ck_development_plans_status_is_known')),
    sa.CheckConstraint('budget_limit >= 0', name=op.f('ck_development_plans_budget_not_negative')),
    sa.CheckConstraint('period_start <= period_end', name=op.f('ck_development_plans_period_in_order')),
    sa.CheckConstraint('version_number >= 1', name=op.f('ck_development_plans_version_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_development_plans_approved_by_id_users')),
    sa.ForeignKeyConstraint(['archived_by_id'], ['users.id'], name=op.f('fk_development_plans_archived_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_development_plans_created_by_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['users.id'], name=op.f('fk_development_plans_person_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['previous_version_id'], ['development_plans.id'], name=op.f('fk_development_plans_previous_version_id_development_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_development_plans_proposed_by_id_users')),
    sa.ForeignKeyConstraint(['returned_by_id'], ['users.id'], name=op.f('fk_development_plans_returned_by_id_users')),
    sa.ForeignKeyConstraint(['role_profile_id'], ['role_profiles.id'], name=op.f('fk_development_plans_role_profile_id_role_profiles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_development_plans')),
    sa.UniqueConstraint('person_id', 'version_number', name='uq_development_plans_version')
    )
    with op.batch_alter_table('development_plans', schema=None) as batch_op:
        batch_op.create_index('ix_development_plans_status', ['status'], unique=False)
        batch_op.create_index('uq_development_plans_approved', ['person_id'], unique=True, sqlite_where=sa.text("status = 'approved'"), postgresql_where=sa.text("status = 'approved'"))
        batch_op.create_index('uq_development_plans_open', ['person_id'], unique=True, sqlite_where=sa.text("status IN ('draft', 'proposed')"), postgresql_where=sa.text("status IN ('draft', 'proposed')"))

    op.create_table('plan_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('competency_uuid', sa.String(length=36), nullable=False),
    sa.Column('competency_code', sa.String(length=40), nullable=False),
    sa.Column('competency_name', sa.String(length=200), nullable=False),
    sa.Column('requirement', sa.String(length=10), nullable=True),
    sa.Column('from_level', sa.Integer(), nullable=False),
    sa.Column('to_level', sa.Integer(), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("requirement IS NULL OR requirement IN ('must', 'can')", name=op.f('ck_plan_goals_requirement_is_known')),
    sa.CheckConstraint("status IN ('open', 'in_progress', 'achieved', 'dropped')", name=op.f('ck_plan_goals_status_is_known')),
    sa.CheckConstraint('from_level >= 0 AND to_level > from_level AND to_level <= 10', name=op.f('ck_plan_goals_levels_rise')),
    sa.CheckConstraint('priority >= 1 AND priority <= 3', name=op.f('ck_plan_goals_priority_range')),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_plan_goals_plan_id_development_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goals')),
    sa.UniqueConstraint('plan_id', 'competency_uuid', name='uq_plan_goals_competency')
    )
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goals_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_goal_trainings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('training_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('provider', sa.String(length=120), nullable=False),
    sa.Column('hours', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('cost', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("source IN ('recommendation', 'catalogue', 'enrollment')", name=op.f('ck_plan_goal_trainings_source_is_known')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_plan_goal_trainings_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goals.id'], name=op.f('fk_plan_goal_trainings_goal_id_plan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['training_id'], ['trainings.id'], name=op.f('fk_plan_goal_trainings_training_id_trainings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_goal_trainings')),
    sa.UniqueConstraint('goal_id', 'training_id', name='uq_plan_goal_trainings_training')
    )
    with op.batch_alter_table('plan_goal_trainings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_goal_trainings_enrollment_id'), ['enrollment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_plan_goal_trainings_goal_id'), ['goal_id'], unique=False)



def downgrade():
    with op.batch_alter_table('plan_goal_trainings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goal_trainings_goal_id'))
        batch_op.drop_index(batch_op.f('ix_plan_goal_trainings_enrollment_id'))

    op.drop_table('plan_goal_trainings')
    with op.batch_alter_table('plan_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_goals_plan_id'))

    op.drop_table('plan_goals')
    with op.batch_alter_table('development_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_development_plans_open', sqlite_where=sa.text("status IN ('draft', 'proposed')"), postgresql_where=sa.text("status IN ('draft', 'proposed')"))
        batch_op.drop_index('uq_development_plans_approved', sqlite_where=sa.text("status = 'approved'"), postgresql_where=sa.text("status = 'approved'"))
        batch_op.drop_index('ix_development_plans_status')

    op.drop_table('development_plans')
    with op.batch_alter_table('export_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_jobs_selection_key'))
        batch_op.drop_index('ix_export_jobs_created_at')

    op.drop_table('export_jobs')
