"""framework editing: drafts, locks, sub-competencies, relations, scale flags

Adds what HR needs to keep the framework in draft versions (change note, who started the
draft, optimistic-lock counters), and what Moodle and CASE frameworks carry beyond area ›
competency (sub-competencies, related competencies, a framework code, the scale's default
and proficient levels).

Revision ID: 0002_framework_editing
Revises: 0003_assessments
Create Date: 2026-11-26 03:44:38.550148

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_framework_editing'
down_revision = '0003_assessments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('competency_relations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('related_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('competency_id <> related_id', name=op.f('ck_competency_relations_not_related_to_itself')),
    sa.ForeignKeyConstraint(['competency_id'], ['competencies.id'], name=op.f('fk_competency_relations_competency_id_competencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['framework_id'], ['frameworks.id'], name=op.f('fk_competency_relations_framework_id_frameworks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['related_id'], ['competencies.id'], name=op.f('fk_competency_relations_related_id_competencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_competency_relations')),
    sa.UniqueConstraint('competency_id', 'related_id', name='uq_competency_relations_competency_related')
    )
    with op.batch_alter_table('competency_relations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_relations_framework_id'), ['framework_id'], unique=False)

    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_index(batch_op.f('ix_competencies_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_competencies_parent_id_competencies'), 'competencies', ['parent_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('change_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_frameworks_created_by_id_users'), 'users', ['created_by_id'], ['id'])

    with op.batch_alter_table('role_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('scale_levels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('is_proficient', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('scale_levels', schema=None) as batch_op:
        batch_op.drop_column('is_proficient')
        batch_op.drop_column('is_default')

    with op.batch_alter_table('role_profiles', schema=None) as batch_op:
        batch_op.drop_column('lock_version')

    with op.batch_alter_table('frameworks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_frameworks_created_by_id_users'), type_='foreignkey')
        batch_op.drop_column('lock_version')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('change_note')
        batch_op.drop_column('code')

    with op.batch_alter_table('competencies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_competencies_parent_id_competencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_competencies_parent_id'))
        batch_op.drop_column('lock_version')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('areas', schema=None) as batch_op:
        batch_op.drop_column('lock_version')

    with op.batch_alter_table('competency_relations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competency_relations_framework_id'))

    op.drop_table('competency_relations')
