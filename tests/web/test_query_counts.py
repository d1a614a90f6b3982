"""Every main page runs the same number of SQL queries with 10 and with 1,000 people, and at
most ten: the data comes from datagen.organisation (the benchmarks' generator, made small)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from competencies.models import Framework, RoleProfile
from competencies.services import seed_default_framework
from core.cache import forget_everything_derived
from core.users import User
from datagen.organisation import (
    BENCH_CANDIDATE,
    BENCH_MANAGER,
    BENCH_PASSWORD,
    Plan,
    generate_data,
)
from evaluations.models import ProjectMember
from tests.helpers import TEST_PASSWORD, clear_tables, counting, login
from webapp.demo import seed_demo_people

# Query counts can differ by database; 1,000 people take a while to make.
pytestmark = [pytest.mark.both_databases, pytest.mark.slow]

MAX_QUERIES = 10
# A page whose cached parts must be built again (after a change to what it shows) reads the
# user, the stamp and everything it is built from: the recommendations page 26 (target role,
# profile with colleagues' feedback, catalogue, enrollments, track record, plan goals). It
# must still not grow with the data. A warm cached page reads the user and its stamp (2; the
# comparison 4).
MAX_COLD_QUERIES = 26
# Pages allowed over MAX_QUERIES on a warm visit (none today); any growth still fails.
OVER_THE_LIMIT: dict[str, int] = {}
# Pages allowed over MAX_COLD_QUERIES when nothing is cached: the candidate's home builds the
# profile against the chosen role, and its top three trainings build the recommendations
# (which measure against the aimed role, falling back to the default one, and read the
# catalogue and track record). Still constant in the data; a warm visit reads 10.
COLD_OVER_THE_LIMIT: dict[str, int] = {f"{BENCH_CANDIDATE} /": 39}

# (who signs in, page); {project}, {role} and {framework} are filled from the data.
PAGES = (
    (BENCH_CANDIDATE, "/"),
    (BENCH_CANDIDATE, "/profile/"),
    (BENCH_CANDIDATE, "/assessments/"),
    (BENCH_CANDIDATE, "/training/recommendations"),
    (BENCH_CANDIDATE, "/training/"),
    (BENCH_CANDIDATE, "/my-evaluations/"),
    (BENCH_MANAGER, "/"),
    (BENCH_MANAGER, "/evaluations/"),
    (BENCH_MANAGER, "/evaluations/{project}"),
    (BENCH_MANAGER, "/evaluations/{project}/comparison"),
    ("hr@example.com", "/"),
    ("hr@example.com", "/framework/"),
    ("hr@example.com", "/framework/roles/{role}"),
    ("hr@example.com", "/framework/versions/"),
    ("hr@example.com", "/framework/versions/{framework}"),
    ("hr@example.com", "/training/manage"),
    ("hr@example.com", "/hr/plans/heatmap"),
    ("hr@example.com", "/hr/plans/overview"),
    ("admin@example.com", "/"),
)


def _fill(engine: sa.Engine, people: int) -> dict[str, int]:
    """An emptied database with the framework, the demo people and ``people`` synthetic ones."""
    from sqlalchemy.orm import Session

    with engine.begin() as connection:
        clear_tables(connection)
    with Session(engine) as session:
        seed_default_framework(session)
        seed_demo_people(session)
        session.commit()
    with engine.begin() as connection:
        accounts, _ = generate_data(connection, people, seed=3)
        role = connection.scalar(
            sa.select(RoleProfile.id).where(RoleProfile.code == "ITPM").limit(1)
        )
        framework = connection.scalar(sa.select(sa.func.max(Framework.id)))
        count = connection.scalar(sa.select(sa.func.count()).select_from(User))
        candidates = connection.scalar(
            sa.select(sa.func.count())
            .select_from(ProjectMember)
            .where(
                ProjectMember.project_id == accounts.comparison_project_id,
                ProjectMember.role == "candidate",
            )
        )
    # The comparison grows from a handful of candidates to the full 50.
    assert count >= people and candidates == min(50, Plan(people).candidates)
    return {"project": accounts.comparison_project_id, "role": role, "framework": framework}


def _counts(app, engine: sa.Engine, ids: dict[str, int]) -> dict[str, tuple[int, int]]:
    """(queries with nothing derived cached, queries on the next visit) per page."""
    counts = {}
    clients = {}
    for email, page in PAGES:
        if email not in clients:
            clients[email] = app.test_client()
            password = BENCH_PASSWORD if "synthetic" in email else TEST_PASSWORD
            assert login(clients[email], email, password).status_code == 302, email
        url = page.format(**ids)
        forget_everything_derived()
        with counting(engine) as cold:
            assert clients[email].get(url).status_code == 200, url
        with counting(engine) as warm:
            assert clients[email].get(url).status_code == 200, url
        counts[f"{email} {page}"] = (len(cold), len(warm))
    return counts


def test_main_pages_run_the_same_few_queries_with_10_and_1000_people(app, app_engine):
    few = _counts(app, app_engine, _fill(app_engine, 10))
    many = _counts(app, app_engine, _fill(app_engine, 1000))
    # Both the first visit (building what is derived) and the cached one stay constant.
    grown = {page: (few[page], many[page]) for page in few if few[page] != many[page]}
    assert grown == {}, f"queries grow with the data (10 people, 1,000 people): {grown}"
    over = {page: warm for page, (_, warm) in many.items() if warm > MAX_QUERIES}
    assert over == OVER_THE_LIMIT, f"pages over {MAX_QUERIES} queries: {over}"
    cold_over = {page: cold for page, (cold, _) in many.items() if cold > MAX_COLD_QUERIES}
    assert cold_over == COLD_OVER_THE_LIMIT, (
        f"pages over {MAX_COLD_QUERIES} queries on a cold cache: {cold_over}"
    )
