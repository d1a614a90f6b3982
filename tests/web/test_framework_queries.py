"""The editor pages load a version in a fixed number of queries, whatever its size."""

import pytest
import sqlalchemy as sa

from competencies.competency_editing import CompetencyInput, add_competency
from competencies.drafts import create_draft
from competencies.models import Framework, RoleProfile
from tests.helpers import counting

# Query counts can differ by database.
pytestmark = pytest.mark.both_databases


def _pages(draft, profile, previous):
    return [
        f"/framework/versions/{draft.id}",
        f"/framework/versions/{draft.id}/roles/{profile.id}",
        f"/framework/versions/compare?from={previous.id}&to={draft.id}",
        f"/framework/versions/{draft.id}/export.csv",
        f"/framework/versions/{draft.id}/publish",
    ]


def _measure(client, engine, urls):
    counts = []
    for url in urls:
        with counting(engine) as statements:
            assert client.get(url).status_code == 200, url
        counts.append(len(statements))
    return counts


def test_query_counts_do_not_grow_with_the_framework(hr_client, db_session, app_engine):
    published = db_session.scalar(sa.select(Framework))
    draft = create_draft(db_session, published, None)
    db_session.commit()
    profile = db_session.scalar(
        sa.select(RoleProfile).where(RoleProfile.framework_id == draft.id).limit(1)
    )
    urls = _pages(draft, profile, published)
    small = _measure(hr_client, app_engine, urls)
    area = draft.areas[0]
    for n in range(15):
        add_competency(
            db_session,
            draft,
            None,
            CompetencyInput(
                code=f"NEW-{n}", name=f"New {n}", area_id=area.id, descriptors={1: "x", 2: "y"}
            ),
        )
    db_session.commit()
    large = _measure(hr_client, app_engine, urls)
    assert large == small, dict(zip(urls, zip(small, large, strict=True), strict=True))
