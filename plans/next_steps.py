"""What a person should do next, per role: the counts and short lists the home page shows.

Each function reads a fixed number of rows and queries whatever the size of the organisation
(the home page's query budget is checked at 10 and 1,000 people), and every count is exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from competencies.models import Framework, FrameworkStatus
from core.users import Role, User
from evaluations.membership import open_requests_query as join_requests_query
from feedback.answering import open_requests_query as feedback_requests_query
from plans.models import DevelopmentPlan, GoalStatus, PlanGoal, PlanStatus
from training.models import Enrollment, EnrollmentStatus

DUE_WITHIN = timedelta(days=30)
SHOWN_GOALS = 5


@dataclass(frozen=True)
class DueGoal:
    plan_id: int
    competency_code: str
    competency_name: str
    to_level: int
    due_on: date

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today


@dataclass(frozen=True)
class CandidateSteps:
    """The person's goals due within 30 days (or overdue) and their trainings under way."""

    goals_due: tuple[DueGoal, ...]  # the first few, soonest first
    goals_due_total: int
    trainings_in_progress: int
    trainings_planned: int


def _plan_in_force(person: User) -> sa.ScalarSelect:
    """The plan whose goals the person works on: the approved one, else the one being
    written (a revision in progress does not double the goals of the approved plan)."""
    return (
        sa.select(DevelopmentPlan.id)
        .where(
            DevelopmentPlan.person_id == person.id,
            DevelopmentPlan.status.in_(
                [PlanStatus.APPROVED.value, PlanStatus.PROPOSED.value, PlanStatus.DRAFT.value]
            ),
        )
        .order_by(
            (DevelopmentPlan.status == PlanStatus.APPROVED.value).desc(),
            DevelopmentPlan.version_number.desc(),
        )
        .limit(1)
        .scalar_subquery()
    )


def candidate_steps(session: Session, person: User, today: date) -> CandidateSteps:
    """Two queries: the due goals of the plan in force (see ``_plan_in_force``) and the
    person's enrollments by status."""
    due = (
        sa.select(
            PlanGoal.plan_id,
            PlanGoal.competency_code,
            PlanGoal.competency_name,
            PlanGoal.to_level,
            PlanGoal.due_on,
            sa.func.count().over().label("total"),
        )
        .where(
            PlanGoal.plan_id == _plan_in_force(person),
            PlanGoal.status.in_([GoalStatus.OPEN.value, GoalStatus.IN_PROGRESS.value]),
            PlanGoal.due_on <= today + DUE_WITHIN,
        )
        .order_by(PlanGoal.due_on, PlanGoal.id)
        .limit(SHOWN_GOALS)
    )
    rows = session.execute(due).all()
    enrollments = dict(
        session.execute(
            sa.select(Enrollment.status, sa.func.count())
            .where(
                Enrollment.person_id == person.id,
                Enrollment.status.in_(
                    [EnrollmentStatus.IN_PROGRESS.value, EnrollmentStatus.PLANNED.value]
                ),
            )
            .group_by(Enrollment.status)
        ).all()
    )
    return CandidateSteps(
        goals_due=tuple(DueGoal(*row[:5]) for row in rows),
        goals_due_total=rows[0].total if rows else 0,
        trainings_in_progress=enrollments.get(EnrollmentStatus.IN_PROGRESS.value, 0),
        trainings_planned=enrollments.get(EnrollmentStatus.PLANNED.value, 0),
    )


@dataclass(frozen=True)
class TeamSteps:
    """The plans of the people a line manager looks after, by where they stand."""

    people: int
    drafts: int
    proposed: int
    without_plan: int


def team_steps(session: Session, manager: User) -> TeamSteps:
    """One query: the manager's reports counted by the status of their open plan, if any."""
    open_plan = (
        sa.select(DevelopmentPlan.status)
        .where(
            DevelopmentPlan.person_id == User.id,
            DevelopmentPlan.status.in_([PlanStatus.DRAFT.value, PlanStatus.PROPOSED.value]),
        )
        .limit(1)
        .scalar_subquery()
    )
    team = sa.select(open_plan.label("status")).where(User.line_manager_id == manager.id)
    status = team.subquery().c.status
    people, drafts, proposed, without = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(status == PlanStatus.DRAFT.value),
            sa.func.count().filter(status == PlanStatus.PROPOSED.value),
            sa.func.count().filter(status.is_(None)),
        )
    ).one()
    return TeamSteps(people=people, drafts=drafts, proposed=proposed, without_plan=without)


@dataclass(frozen=True)
class HrSteps:
    """HR's work waiting: plans proposed for approval, and framework drafts not yet published
    (a new version HR started, or a file imported from Moodle or a CASE tool, which always
    arrives as a draft)."""

    plans_waiting: int
    drafts_waiting: int


def hr_steps(session: Session) -> HrSteps:
    """Both of HR's queues counted in one query."""
    plans = (
        sa.select(sa.func.count())
        .select_from(DevelopmentPlan)
        .where(DevelopmentPlan.status == PlanStatus.PROPOSED.value)
        .scalar_subquery()
    )
    drafts = (
        sa.select(sa.func.count())
        .select_from(Framework)
        .where(Framework.status == FrameworkStatus.DRAFT.value)
        .scalar_subquery()
    )
    plans_waiting, drafts_waiting = session.execute(sa.select(plans, drafts)).one()
    return HrSteps(plans_waiting=plans_waiting, drafts_waiting=drafts_waiting)


def plans_waiting_for_hr(session: Session) -> int:
    """How many plans are proposed and wait for HR's approval (one query)."""
    return hr_steps(session).plans_waiting


@dataclass(frozen=True)
class RequestsWaiting:
    """Requests that wait for the person's answer."""

    to_join: int  # evaluation projects asking them to join as a candidate
    feedback: int  # colleagues asking for their feedback


def requests_waiting(session: Session, person: User, today: date) -> RequestsWaiting:
    """Both kinds of request in one query (home pages read it on every visit)."""
    to_join = (
        join_requests_query(person.id).scalar_subquery()
        if person.has_role(Role.CANDIDATE)
        else sa.literal(0)
    )
    row = session.execute(
        sa.select(to_join, feedback_requests_query(person.id, today).scalar_subquery())
    ).one()
    return RequestsWaiting(int(row[0]), int(row[1]))
