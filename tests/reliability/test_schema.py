"""The schema the Alembic migrations make is the one the models describe, on both databases,
and every foreign key of a large table has an index."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.db import Base

# Tables that stay small (a framework's own structure, people, settings): a missing index on
# a reference from them costs nothing worth an index.
SMALL_TABLES = {
    "areas",
    "competencies",
    "competency_relations",
    "role_profiles",
    "role_requirements",
    "frameworks",
    "invitations",
    "trainings",
    "evaluation_projects",
    "evaluation_project_members",
    "evidence",
    "development_plans",
    "target_role_choices",
}


def test_the_migrations_make_the_schema_of_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_foreign_keys_of_large_tables_are_indexed():
    unindexed = []
    for table in Base.metadata.sorted_tables:
        if table.name in SMALL_TABLES:
            continue
        leading = {next(iter(index.columns)).name for index in table.indexes}
        leading |= {
            next(iter(constraint.columns)).name
            for constraint in table.constraints
            if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
            and constraint.columns
        }
        unindexed += [
            f"{table.name}.{key.parent.name}"
            for key in table.foreign_keys
            if key.parent.name not in leading
        ]
    assert unindexed == []
