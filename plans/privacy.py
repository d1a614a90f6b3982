"""Personal data held by development plans: every version of a person's plan, its goals and
the trainings linked to them."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from core.privacy import ERASED_TEXT, iso_or_none
from core.users import User
from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining

# Free text on a plan row: what the person, their line manager and HR wrote about them.
PLAN_TEXT = ("summary", "over_budget_reason", "return_comment", "approval_note", "archive_note")


def _plans_of(session: Session, person_id: int) -> list[DevelopmentPlan]:
    return list(
        session.scalars(
            sa.select(DevelopmentPlan)
            .where(DevelopmentPlan.person_id == person_id)
            .options(
                selectinload(DevelopmentPlan.role_profile),
                selectinload(DevelopmentPlan.goals).selectinload(PlanGoal.trainings),
            )
            .order_by(DevelopmentPlan.version_number)
        )
    )


def export_person(session: Session, person: User) -> dict[str, Any]:
    """Every version of the person's development plan, with goals and linked trainings."""
    return {
        "development_plans": [
            {
                "version": plan.version_number,
                "status": plan.status,
                "target_role": plan.role_profile.name,
                "period_start": iso_or_none(plan.period_start),
                "period_end": iso_or_none(plan.period_end),
                "budget_limit": str(plan.budget_limit),
                "currency": plan.currency,
                **{name: getattr(plan, name) for name in PLAN_TEXT},
                "proposed_at": iso_or_none(plan.proposed_at),
                "returned_at": iso_or_none(plan.returned_at),
                "approved_at": iso_or_none(plan.approved_at),
                "archived_at": iso_or_none(plan.archived_at),
                "goals": [
                    {
                        "competency": goal.competency_code,
                        "from_level": goal.from_level,
                        "to_level": goal.to_level,
                        "priority": goal.priority,
                        "due_on": iso_or_none(goal.due_on),
                        "status": goal.status,
                        "actions": goal.actions,
                        "trainings": [
                            {"title": link.title, "provider": link.provider, "reason": link.reason}
                            for link in goal.trainings
                        ],
                    }
                    for goal in plan.goals
                ],
            }
            for plan in _plans_of(session, person.id)
        ]
    }


def erase_person(session: Session, person: User) -> dict[str, int]:
    """Remove the free text of the person's plans; periods, budgets, goals' levels and
    statuses stay for the organisation's statistics."""
    own = sa.select(DevelopmentPlan.id).where(DevelopmentPlan.person_id == person.id)
    plans = session.execute(
        sa.update(DevelopmentPlan)
        .where(DevelopmentPlan.id.in_(own))
        .values({name: ERASED_TEXT for name in PLAN_TEXT})
        .execution_options(synchronize_session=False)
    ).rowcount
    goals = sa.select(PlanGoal.id).where(PlanGoal.plan_id.in_(own))
    session.execute(
        sa.update(PlanGoal)
        .where(PlanGoal.id.in_(goals))
        .values(actions=ERASED_TEXT)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        sa.update(PlanGoalTraining)
        .where(PlanGoalTraining.goal_id.in_(goals))
        .values(reason="")
        .execution_options(synchronize_session=False)
    )
    return {"plan_versions_cleared": plans}
