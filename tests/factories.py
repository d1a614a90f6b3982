"""Small builders for test data: keyword defaults, ``**overrides`` for what a test cares about."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from core.users import Role, User, create_user

_counter = itertools.count(1)
DEFAULT_PASSWORD = "proficio-demo"


def make_user(session: Session, **overrides) -> User:
    """Create a user with a unique email; any field can be overridden."""
    n = next(_counter)
    values = {
        "email": f"person{n}@example.test",
        "name": f"Test Person {n}",
        "role": Role.CANDIDATE,
        "password": DEFAULT_PASSWORD,
    }
    values.update(overrides)
    return create_user(session, **values)


def competencies_by_code(session: Session, framework_id: int) -> dict:
    """The framework's competencies keyed by code."""
    import sqlalchemy as sa

    from competencies.models import Competency

    return {
        c.code: c
        for c in session.scalars(
            sa.select(Competency).where(Competency.framework_id == framework_id)
        )
    }


def make_self_round(
    session: Session,
    person: User,
    levels: dict | None = None,
    *,
    default_level: int | None = 2,
    submit: bool = True,
    **answer_overrides,
):
    """A self-assessment round with an answer for every competency (``levels`` by code win,
    None there means "not assessed"), submitted unless ``submit=False``."""
    from assessments.answers import save_answers
    from assessments.ratings import RatingInput
    from assessments.rounds import start_self_assessment
    from assessments.submission import submit_assessment

    assessment = start_self_assessment(session, person)
    by_code = competencies_by_code(session, assessment.framework_id)
    levels = levels or {}
    answers = []
    for code, competency in by_code.items():
        level = levels.get(code, default_level)
        answers.append(
            RatingInput(
                competency.id,
                level=level,
                not_assessed=level is None,
                confidence=answer_overrides.get("confidence", 2),
                interest=answer_overrides.get("interest", 2),
            )
        )
    save_answers(session, assessment, person, expected_version=assessment.version, ratings=answers)
    if submit:
        submit_assessment(session, assessment, person, expected_version=assessment.version)
    return assessment


def make_project(
    session: Session,
    owner: User | None = None,
    *,
    candidates=(),
    co_evaluators=(),
    role_code: str = "ITPM",
    released: bool = False,
    **overrides,
):
    """An evaluation project (owner: a new manager unless given) with its people."""
    from datetime import date

    import sqlalchemy as sa

    from competencies.models import RoleProfile
    from competencies.services import current_framework
    from core.db import utcnow
    from evaluations.models import ProjectMember, ProjectRole
    from evaluations.projects import ProjectInput, create_project

    owner = owner or make_user(session, role=Role.MANAGER)
    framework = current_framework(session)
    role = session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == framework.id, RoleProfile.code == role_code
        )
    )
    values = {
        "title": f"Server migration case {next(_counter)}",
        "description": "Move a file-server estate to virtual machines.",
        "kind": "case",
        "budget": None,
        "currency": None,
        "start_on": date(2026, 3, 1),
        "deadline_on": date(2026, 4, 30),
        "technologies": ["Linux", "VMware"],
        "role_profile_id": role.id,
    }
    values.update(overrides)
    project = create_project(session, owner, ProjectInput(**values))
    # Candidates who accepted the request and share their self-assessment: the common case
    # of the results pages (tests of the request itself go through evaluations.people).
    for person in candidates:
        project.members.append(
            ProjectMember(
                user_id=person.id,
                role=ProjectRole.CANDIDATE.value,
                user=person,
                shares_self_assessment=True,
            )
        )
    for person in co_evaluators:
        project.members.append(
            ProjectMember(user_id=person.id, role=ProjectRole.CO_EVALUATOR.value, user=person)
        )
    if released:
        project.is_results_released = True
        project.released_at = utcnow()
    session.flush()
    return project


def make_project_assessment(
    session: Session,
    subject: User,
    assessor: User,
    levels: dict,
    *,
    project=None,
    submit: bool = True,
):
    """A project rating sheet by ``assessor`` for ``subject`` with ``levels`` by code (None:
    not observed). Without ``project`` a released project owned by the assessor is made."""
    from assessments.models import AssessmentStatus
    from assessments.ratings import append_rating
    from core.db import utcnow
    from evaluations.models import ProjectMember, ProjectRole
    from evaluations.sheets import start_sheet

    if project is None:
        project = make_project(session, assessor, candidates=[subject], released=True)
    if project.role_of(subject.id) is None:
        project.members.append(
            ProjectMember(
                user_id=subject.id,
                role=ProjectRole.CANDIDATE.value,
                user=subject,
                shares_self_assessment=True,
            )
        )
    if project.role_of(assessor.id) is None:
        project.members.append(
            ProjectMember(user_id=assessor.id, role=ProjectRole.CO_EVALUATOR.value, user=assessor)
        )
    session.flush()
    assessment = start_sheet(session, project, assessor, subject.id)
    by_code = competencies_by_code(session, assessment.framework_id)
    for code, level in levels.items():
        append_rating(session, assessment, assessor, by_code[code].id, level=level)
    if submit:
        assessment.status = AssessmentStatus.SUBMITTED.value
        assessment.submitted_at = utcnow()
    session.flush()
    return assessment


def make_training(session: Session, **overrides):
    """Create an active training covering Planning (DEL-01) unless told otherwise.

    Needs the default framework in the database (competency codes become uuids).
    """
    from competencies.services import stable_uuid
    from training.catalogue import TrainingInput, create_training

    n = next(_counter)
    weights = overrides.pop("weights", {"DEL-01": 1.0})
    actor = overrides.pop("actor", None)
    values = {
        "title": f"Training {n}",
        "provider": "Test Academy",
        "format": "classroom",
        "hours": 16,
        "cost": 900,
        "currency": "EUR",
        "language": "en",
        "level_min": 2,
        "level_max": 3,
        "link": "",
        "description": "",
    }
    values.update(overrides)
    data = TrainingInput(
        **values, weights={stable_uuid("competency", c): w for c, w in weights.items()}
    )
    return create_training(session, data, actor)


def observe_levels(session: Session, user: User, levels: dict[str, int], at, kind="self"):
    """Record levels of ``user`` as the recommender's level observations at ``at``."""
    from training.models import LevelObservation
    from training.observations import subject_key_for

    for code, level in levels.items():
        session.add(
            LevelObservation(
                subject_key=subject_key_for(user.id),
                person_id=user.id,
                competency_code=code,
                kind=kind,
                level=level,
                observed_at=at,
                source="assessment",
            )
        )
    session.flush()


def target(session: Session, person: User, role_code: str = "ITPM"):
    """Make ``role_code`` of the current framework the person's target role; returns the role."""
    import sqlalchemy as sa

    from assessments.target_roles import choose_target_role
    from competencies.models import RoleProfile
    from competencies.services import current_framework

    framework = current_framework(session)
    role = session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == framework.id, RoleProfile.code == role_code
        )
    )
    choose_target_role(session, person, role.id)
    return role


def make_plan(session: Session, person: User, *, actor: User | None = None, **overrides):
    """Start a draft plan for ``person`` (a year from the first of this month, €3,000)."""
    from datetime import date, timedelta

    from plans.services import PlanInput, start_plan

    start = date.today().replace(day=1)
    values = {
        "period_start": start,
        "period_end": date(start.year + 1, start.month, 1) - timedelta(days=1),
        "budget": "3000",
        "currency": "EUR",
        "summary": "Grow into the role.",
        "over_budget_reason": "",
    }
    role_profile_id = overrides.pop("role_profile_id", None)
    values.update(overrides)
    return start_plan(
        session, actor or person, person, PlanInput(**values), role_profile_id=role_profile_id
    )


def goal_input(plan, code: str = "DEL-01", **overrides):
    """A GoalInput for competency ``code`` of the plan's framework, due at the period's end."""
    import sqlalchemy as sa

    from competencies.models import Competency
    from plans.goals import GoalInput

    competency = plan_session(plan).scalar(
        sa.select(Competency).where(
            Competency.framework_id == plan.role_profile.framework_id, Competency.code == code
        )
    )
    values = {
        "competency_uuid": competency.uuid,
        "from_level": 1,
        "to_level": 3,
        "due_on": plan.period_end,
        "priority": 1,
        "actions": "Lead the planning of a medium-sized project.",
        "status": "open",
    }
    values.update(overrides)
    return GoalInput(**values)


def plan_session(plan) -> Session:
    """The session a plan is attached to."""
    from sqlalchemy.orm import object_session

    return object_session(plan)


def approved_plan(session: Session, person: User, hr: User, *, trainings=(), **overrides):
    """A plan with one Planning goal (and ``trainings`` linked to it), proposed and approved."""
    from plans import workflow
    from plans.goal_trainings import link_training
    from plans.goals import add_goal

    plan = make_plan(session, person, **overrides)
    goal = add_goal(session, person, plan, goal_input(plan), expected_version=plan.lock_version)
    for training in trainings:
        link_training(
            session,
            person,
            plan,
            goal.id,
            training.id,
            source="catalogue",
            expected_version=plan.lock_version,
        )
    workflow.propose_plan(session, person, plan, expected_version=plan.lock_version)
    workflow.approve_plan(session, hr, plan, expected_version=plan.lock_version)
    return plan


class FakeAutogroup:
    """/proc/self/autogroup as the kernel shows it: takes a nice value as text, reads back a
    line with it, and records every value written."""

    def __init__(self, nice: int = 0) -> None:
        self.nice = nice
        self.writes: list[int] = []

    def read_text(self) -> str:
        return f"/autogroup-42 nice {self.nice}\n"

    def write_text(self, text: str) -> None:
        self.nice = int(text)
        self.writes.append(self.nice)


def make_closed_feedback_round(session: Session, subject: User, answers: list[dict], group="peer"):
    """A feedback round about ``subject`` answered once per dict of ``{code: level}`` by
    outsiders of ``group``, then closed (needs the default framework)."""
    from datetime import date

    from competencies.services import current_framework
    from feedback import answering, rounds
    from feedback.receipts import receipt_key

    today = date.today()
    framework = current_framework(session)
    codes = competencies_by_code(session, framework.id)
    asked = sorted({code for levels in answers for code in levels})
    feedback_round = rounds.open_round(
        session,
        subject,
        subject,
        framework.id,
        rounds.RoundInput([codes[c].id for c in asked], closes_on=today),
        today=today,
    )
    for i, levels in enumerate(answers):
        rater = rounds.ask_rater(
            session,
            feedback_round,
            subject,
            group=group,
            email=f"rater{i}.{feedback_round.id}@example.org",
            name=f"Rater {i}",
            today=today,
        ).rater
        raw = {codes[c].id: str(levels[c]) if c in levels else "none" for c in asked}
        answering.save_draft(session, rater, raw, "", expected_version=rater.version, today=today)
        answering.submit(session, rater, receipt_key=receipt_key("test"), today=today)
    rounds.close_round(session, feedback_round, subject, today=today)
    return feedback_round
