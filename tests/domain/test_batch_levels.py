"""The database-side picks of latest levels agree with the Python ones they stand in for."""

import sqlalchemy as sa

from assessments import scoring
from assessments.levels import (
    latest_self_level_map,
    latest_self_levels,
    submitted_self_ratings,
    submitted_self_rounds,
)
from competencies.services import seed_default_framework
from core.users import User
from datagen.organisation import generate_data
from evaluations.levels import evaluated_rating_rows, latest_evaluator_ratings


def _people(session, count=60):
    seed_default_framework(session)
    session.commit()
    generate_data(session.connection(), count, seed=5)
    session.commit()
    return list(session.scalars(sa.select(User.id).order_by(User.id)))


def test_latest_self_levels_from_the_database_match_the_python_pick(session):
    ids = _people(session)
    rounds = submitted_self_rounds(session, ids)
    ratings = submitted_self_ratings(session, ids)
    expected = {
        pid: {
            uuid: pair[0].level
            for uuid, pair in latest_self_levels(rounds[pid], ratings[pid]).items()
        }
        for pid in ids
    }
    picked = latest_self_level_map(session, ids)
    assert picked == expected
    assert sum(len(levels) for levels in picked.values()) > 100  # the data has rounds to pick from


def test_latest_evaluator_ratings_give_the_same_evaluated_levels(session):
    ids = _people(session)
    every = evaluated_rating_rows(session, ids)
    latest = latest_evaluator_ratings(session, ids)
    compared = 0
    for pid in ids:
        expected = scoring.evaluated_levels(every[pid])
        assert scoring.evaluated_levels(latest[pid]) == expected
        compared += len(expected)
    assert compared > 0  # released projects with submitted sheets are in the data
