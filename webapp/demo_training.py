"""Demo data for `seed --demo`: the training catalogue, SYNTHETIC learning history (labelled
so), the demo people's enrollments and the recommender trained on them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import utcnow
from core.users import User, get_user_by_email

DEMO_HISTORY_PEOPLE = 300
DEMO_HISTORY_SEED = 2026
DEMO_LEVELS: dict[str, dict[str, int]] = {
    # Alex aims at IT Project Manager: must-gaps in planning, servers, leadership.
    "candidate@example.com": {
        "TEC-01": 2,
        "TEC-02": 1,
        "TEC-03": 2,
        "DEL-01": 1,
        "DEL-02": 2,
        "STR-01": 2,
        "STR-02": 1,
        "LEA-01": 1,
        "LEA-02": 2,
        "LEA-03": 3,
        "LEA-04": 1,
        "LEA-05": 2,
        "LEA-06": 1,
        "PER-01": 3,
        "PER-02": 3,
        "PER-03": 2,
        "PER-04": 2,
    },
    # Sam is technically strong and needs the people and business side.
    "candidate2@example.com": {
        "TEC-01": 4,
        "TEC-02": 3,
        "TEC-03": 3,
        "DEL-01": 2,
        "DEL-02": 2,
        "STR-01": 1,
        "STR-02": 2,
        "LEA-01": 1,
        "LEA-02": 1,
        "LEA-03": 2,
        "LEA-04": 0,
        "LEA-05": 1,
        "LEA-06": 2,
        "PER-01": 3,
        "PER-02": 4,
        "PER-03": 2,
        "PER-04": 3,
    },
}
# (training code, final status, days ago it was planned, rating)
DEMO_ENROLLMENTS: dict[str, list[tuple[str, str, int, int | None]]] = {
    "candidate@example.com": [
        ("prince2-foundation", "completed", 150, 4),
        ("linux-server-administration", "in_progress", 40, None),
        ("stakeholder-communication", "planned", 5, None),
        ("statistics-for-pms", "dropped", 90, 2),
    ],
    "candidate2@example.com": [
        ("itil4-foundation", "completed", 60, 3),
        ("psm-1", "in_progress", 20, None),
        ("leadership-essentials", "planned", 3, None),
    ],
}


@dataclass(frozen=True)
class DemoTrainingReport:
    trainings_added: int
    synthetic_finished_trainings: int
    enrollments_added: int
    model: str  # what the recommender will use


def _demo_observations(session: Session, person: User, levels: dict[str, int], at) -> None:
    from training.models import LevelObservation
    from training.observations import subject_key_for

    for code, level in levels.items():
        session.add(
            LevelObservation(
                subject_key=subject_key_for(person.id),
                person_id=person.id,
                competency_code=code,
                kind="self",
                level=level,
                observed_at=at,
                source="demo",
                is_synthetic=True,
            )
        )


def seed_demo_training(session: Session, *, model_dir, key: bytes) -> DemoTrainingReport:
    """Catalogue, a labelled synthetic history, demo levels and enrollments, and a model.

    Idempotent: each part is skipped when it is already there.
    """

    from competencies.services import read_default_framework_data
    from training.catalogue import seed_catalogue
    from training.enrollments import change_enrollment_status, plan_training
    from training.history import (
        TooLittleHistoryError,
        catalogue_arrays,
        framework_columns,
        store_synthetic_history,
        train_and_save,
    )
    from training.models import Enrollment, HistoryEnrollment, Training
    from training.synthetic import generate_world, roles_from_framework

    added, _ = seed_catalogue(session)
    columns = framework_columns(session)
    synthetic = session.scalar(
        sa.select(sa.func.count(HistoryEnrollment.id)).where(
            HistoryEnrollment.source == "synthetic"
        )
    )
    if not synthetic:
        catalogue = catalogue_arrays(session, columns)
        roles = roles_from_framework(read_default_framework_data(), columns.codes)
        world = generate_world(
            catalogue, roles, n_people=DEMO_HISTORY_PEOPLE, seed=DEMO_HISTORY_SEED
        )
        synthetic = store_synthetic_history(
            session, world, {int(k): int(k) for k in catalogue.keys}
        )
    by_code = {
        t.code: t
        for t in session.scalars(
            sa.select(Training).options(sa.orm.selectinload(Training.competencies))
        )
    }
    now = utcnow()
    enrollments_added = 0
    for email, plan in DEMO_ENROLLMENTS.items():
        person = get_user_by_email(session, email)
        if person is None:
            continue
        has_any = session.scalar(
            sa.select(sa.func.count(Enrollment.id)).where(Enrollment.person_id == person.id)
        )
        if has_any:
            continue
        levels = dict(DEMO_LEVELS[email])
        _demo_observations(session, person, levels, now - timedelta(days=200))
        for code, status, days_ago, rating in plan:
            training = by_code[code]
            enrollment = plan_training(session, person, training)
            enrollment.is_synthetic = True
            enrollment.planned_at = now - timedelta(days=days_ago)
            steps = {
                "planned": [],
                "in_progress": ["in_progress"],
                "completed": ["in_progress", "completed"],
                "dropped": ["in_progress", "dropped"],
            }[status]
            for i, step in enumerate(steps, start=1):
                change_enrollment_status(
                    session,
                    enrollment,
                    step,
                    person,
                    at=now - timedelta(days=max(days_ago - 14 * i, 1)),
                )
            if rating is not None:
                enrollment.rating = rating
                enrollment.rated_at = now - timedelta(days=max(days_ago - 30, 1))
            enrollments_added += 1
        # Alex's next assessment shows the PRINCE2 course worked for planning.
        if email == "candidate@example.com":
            levels["DEL-01"] += 1
            _demo_observations(session, person, levels, now - timedelta(days=30))
    session.flush()
    from training.enrollment_outcomes import refresh_outcomes

    refresh_outcomes(session)
    try:
        # The demo has only generated history: let it in, labelled (never in production).
        metadata = train_and_save(session, model_dir, key=key, include_synthetic=True)
    except TooLittleHistoryError as error:
        model = f"cold-start score ({error})"
    else:
        model = (
            f"learned model trained on {metadata['training_rows']} outcomes "
            f"({metadata['history']['synthetic']} synthetic finished trainings)"
        )
    return DemoTrainingReport(
        trainings_added=added,
        synthetic_finished_trainings=int(synthetic),
        enrollments_added=enrollments_added,
        model=model,
    )
