"""Trainings linked to a draft plan's goals, always through the person's own enrollment."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.audit import record_event
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from plans import builder
from plans.access import Relation, sees_candidate
from plans.goals import goal_of
from plans.models import DevelopmentPlan, PlanGoalTraining
from plans.services import check_editable, flush_versioned, touch
from training.catalogue import get_training
from training.enrollments import plan_training
from training.models import Enrollment, EnrollmentStatus

TRAINING_SOURCES = ("recommendation", "catalogue", "enrollment")


def link_fields(link: PlanGoalTraining) -> dict[str, object]:
    """A training link as audit values."""
    return {
        "goal_id": link.goal_id,
        "training_id": link.training_id,
        "enrollment_id": link.enrollment_id,
        "title": link.title,
        "hours": str(link.hours),
        "cost": str(link.cost),
        "currency": link.currency,
        "source": link.source,
    }


def _enrollment_for(
    session: Session, actor: User, plan: DevelopmentPlan, training_id: int
) -> Enrollment:
    """The person's enrollment to link: an open or completed one, else a new planned one."""
    existing = session.scalar(
        sa.select(Enrollment)
        .where(
            Enrollment.person_id == plan.person_id,
            Enrollment.training_id == training_id,
            Enrollment.status != EnrollmentStatus.DROPPED.value,
        )
        .order_by(Enrollment.planned_at.desc(), Enrollment.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    training = get_training(session, training_id)
    return plan_training(session, plan.person, training, planned_for=None, actor=actor)


def link_training(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    training_id: int,
    *,
    source: str,
    reason: str = "",
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoalTraining:
    """Link a training to a goal of a draft through the person's enrollment (made if needed)."""
    check_editable(session, actor, plan, expected_version, related)
    goal = goal_of(plan, goal_id)
    if source not in TRAINING_SOURCES:
        raise ValidationError("Unknown source of the training.")
    if any(t.training_id == training_id for t in goal.trainings):
        raise ConflictError(f"This training is already linked to the goal {goal.competency_name}.")
    if len(goal.trainings) >= builder.MAX_TRAININGS_PER_GOAL:
        raise ValidationError(
            f"A goal takes at most {builder.MAX_TRAININGS_PER_GOAL} trainings; remove one first."
        )
    training = get_training(session, training_id, include_inactive=True)
    enrollment = _enrollment_for(session, actor, plan, training.id)
    link = PlanGoalTraining(
        enrollment_id=enrollment.id,
        training_id=training.id,
        title=training.title,
        provider=training.provider,
        hours=training.hours,
        cost=training.cost,
        currency=training.currency,
        source=source,
        reason=reason.replace("\x00", "")[: builder.REASON_MAX],
    )
    link.enrollment = enrollment
    goal.trainings.append(link)
    touch(plan)
    flush_versioned(session)
    record_event(
        session, actor=actor, action="plan.training.link", entity=link, after=link_fields(link)
    )
    return link


def unlink_training(
    session: Session,
    actor: User,
    plan: DevelopmentPlan,
    goal_id: int,
    link_id: int,
    *,
    expected_version: int | None,
    related: Relation = sees_candidate,
) -> PlanGoalTraining:
    """Take a training off a goal; the person's enrollment itself stays as it is."""
    check_editable(session, actor, plan, expected_version, related)
    goal = goal_of(plan, goal_id)
    link = next((t for t in goal.trainings if t.id == link_id), None)
    if link is None:
        raise NotFoundError("This training is not linked to the goal.")
    record_event(
        session, actor=actor, action="plan.training.unlink", entity=link, before=link_fields(link)
    )
    goal.trainings.remove(link)
    touch(plan)
    flush_versioned(session)
    return link
