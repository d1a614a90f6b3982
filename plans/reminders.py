"""Which reminders are due today, each claimed once (``core.reminders``) before it is sent.

- A certification: 90, 30 and 7 days before it expires, and once when it has expired (up to
  30 days after: a certificate that ran out years ago needs no news).
- A goal of an approved plan that is neither achieved nor dropped: 7 days before it is due,
  and on the day it is due.
- An evaluator's open rating sheets: 7 days and 1 day before the project's deadline.

A milestone reached late (a certification recorded 20 days before it expires) sends the most
urgent one only and marks the earlier ones as passed. Nobody whose account is disabled,
blocked or erased gets a reminder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment, AssessmentKind, AssessmentStatus, Certification
from core.reminders import SentReminder, claim
from core.users import User
from evaluations.models import EvaluationProject, MembershipStatus, ProjectMember, ProjectRole
from plans.models import DevelopmentPlan, GoalStatus, PlanGoal, PlanStatus

CERTIFICATION_DAYS = (7, 30, 90)
EXPIRED_NEWS_DAYS = 30
GOAL_DAYS = 7
SHEET_DAYS = (1, 7)


@dataclass(frozen=True)
class DueReminder:
    """A reminder claimed for sending: to whom, about what, and the facts the mail states."""

    kind: str  # "certification" | "goal" | "sheet"
    recipient: User
    milestone: str
    subject_key: str
    facts: dict[str, object] = field(default_factory=dict)


def _reached(days_left: int, days: tuple[int, ...], *, past: str) -> list[str]:
    """Milestones reached ``days_left`` before the date, the most urgent first."""
    reached = [str(n) for n in sorted(days) if days_left <= n]
    return [past, *reached] if days_left <= 0 else reached


def _active(user: type[User] = User) -> sa.ColumnElement[bool]:
    return sa.and_(user.is_active.is_(True), user.blocked_at.is_(None))


def _certifications(session: Session, today: date) -> list[tuple[str, str, list[str], User, dict]]:
    rows = session.execute(
        sa.select(Certification, User)
        .join(User, User.id == Certification.person_id)
        .where(
            Certification.expires_on.is_not(None),
            Certification.expires_on <= today + timedelta(days=max(CERTIFICATION_DAYS)),
            Certification.expires_on >= today - timedelta(days=EXPIRED_NEWS_DAYS),
            _active(),
        )
    )
    found = []
    for certification, person in rows:
        days_left = (certification.expires_on - today).days
        # "expired" from the day after the last valid day.
        reached = _reached(days_left, CERTIFICATION_DAYS, past="expired")
        if days_left == 0:
            reached = [m for m in reached if m != "expired"]
        facts = {
            "name": certification.name,
            "issuer": certification.issuer,
            "expires_on": certification.expires_on,
            "days_left": days_left,
        }
        found.append(("certification", str(certification.id), reached, person, facts))
    return found


def _goals(session: Session, today: date) -> list[tuple[str, str, list[str], User, dict]]:
    rows = session.execute(
        sa.select(PlanGoal, User)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanGoal.plan_id)
        .join(User, User.id == DevelopmentPlan.person_id)
        .where(
            DevelopmentPlan.status == PlanStatus.APPROVED.value,
            PlanGoal.status.in_([GoalStatus.OPEN.value, GoalStatus.IN_PROGRESS.value]),
            PlanGoal.due_on <= today + timedelta(days=GOAL_DAYS),
            PlanGoal.due_on >= today,
            _active(),
        )
    )
    found = []
    for goal, person in rows:
        days_left = (goal.due_on - today).days
        reached = ["due"] if days_left == 0 else [str(GOAL_DAYS)]
        facts = {
            "competency": goal.competency_name,
            "to_level": goal.to_level,
            "due_on": goal.due_on,
            "days_left": days_left,
            "plan_id": goal.plan_id,
        }
        found.append(("goal", str(goal.id), reached, person, facts))
    return found


def _sheets(session: Session, today: date) -> list[tuple[str, str, list[str], User, dict]]:
    projects = {
        p.id: p
        for p in session.scalars(
            sa.select(EvaluationProject).where(
                EvaluationProject.archived_at.is_(None),
                EvaluationProject.is_results_released.is_(False),
                EvaluationProject.deadline_on >= today,
                EvaluationProject.deadline_on <= today + timedelta(days=max(SHEET_DAYS)),
            )
        )
    }
    if not projects:
        return []
    members = session.execute(
        sa.select(ProjectMember.project_id, ProjectMember.role, ProjectMember.user_id).where(
            ProjectMember.project_id.in_(projects),
            sa.or_(
                ProjectMember.role == ProjectRole.CO_EVALUATOR.value,
                ProjectMember.status == MembershipStatus.ACCEPTED.value,
            ),
        )
    ).all()
    submitted = set(
        session.execute(
            sa.select(
                Assessment.evaluation_project_id, Assessment.assessor_id, Assessment.subject_id
            ).where(
                Assessment.evaluation_project_id.in_(projects),
                Assessment.kind == AssessmentKind.PROJECT.value,
                Assessment.status == AssessmentStatus.SUBMITTED.value,
            )
        ).all()
    )
    evaluators: dict[int, set[int]] = {pid: {p.owner_id} for pid, p in projects.items()}
    candidates: dict[int, set[int]] = {pid: set() for pid in projects}
    for project_id, role, user_id in members:
        target = evaluators if role == ProjectRole.CO_EVALUATOR.value else candidates
        target[project_id].add(user_id)
    people = {
        u.id: u
        for u in session.scalars(
            sa.select(User).where(
                User.id.in_({i for ids in evaluators.values() for i in ids}), _active()
            )
        )
    }
    found = []
    for project_id, project in projects.items():
        days_left = (project.deadline_on - today).days
        reached = _reached(max(days_left, 1), SHEET_DAYS, past="")
        for evaluator_id in sorted(evaluators[project_id]):
            person = people.get(evaluator_id)
            open_sheets = [
                c for c in candidates[project_id] if (project_id, evaluator_id, c) not in submitted
            ]
            if person is None or not open_sheets or not reached:
                continue
            facts = {
                "project": project.title,
                "project_id": project_id,
                "deadline_on": project.deadline_on,
                "days_left": days_left,
                "open_sheets": len(open_sheets),
            }
            found.append(("sheet", f"{project_id}:{evaluator_id}", reached, person, facts))
    return found


def claim_due_reminders(session: Session, today: date) -> list[DueReminder]:
    """Every reminder due today that no run has sent yet, claimed now (the caller sends them
    and commits; a fixed number of queries plus one savepoint per reminder claimed)."""
    candidates = _certifications(session, today) + _goals(session, today) + _sheets(session, today)
    if not candidates:
        return []
    sent = set(
        session.execute(
            sa.select(SentReminder.kind, SentReminder.subject_key, SentReminder.milestone).where(
                SentReminder.subject_key.in_({key for _, key, _, _, _ in candidates})
            )
        ).all()
    )
    claimed = []
    for kind, key, reached, person, facts in candidates:
        if not reached or (kind, key, reached[0]) in sent:
            continue
        if claim(session, kind, key, reached, person.id):
            claimed.append(DueReminder(kind, person, reached[0], key, facts))
    return claimed
