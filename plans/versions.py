"""The next version of a plan: a draft copied from an approved or archived one, goals and
training links included, so that the version before it never changes."""

from __future__ import annotations

from core.users import User
from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining, PlanStatus


def copy_as_next_version(plan: DevelopmentPlan, actor: User) -> DevelopmentPlan:
    """A new, unsaved draft that copies ``plan`` (its goals and their trainings) one version on."""
    draft = DevelopmentPlan(
        person_id=plan.person_id,
        version_number=plan.version_number + 1,
        previous_version_id=plan.id,
        role_profile_id=plan.role_profile_id,
        period_start=plan.period_start,
        period_end=plan.period_end,
        budget_limit=plan.budget_limit,
        currency=plan.currency,
        summary=plan.summary,
        over_budget_reason=plan.over_budget_reason,
        status=PlanStatus.DRAFT.value,
        created_by_id=actor.id,
        is_demo=plan.is_demo,
    )
    for goal in plan.goals:
        copy = PlanGoal(
            competency_uuid=goal.competency_uuid,
            competency_code=goal.competency_code,
            competency_name=goal.competency_name,
            requirement=goal.requirement,
            from_level=goal.from_level,
            to_level=goal.to_level,
            priority=goal.priority,
            due_on=goal.due_on,
            actions=goal.actions,
            status=goal.status,
            position=goal.position,
        )
        for link in goal.trainings:
            copy.trainings.append(
                PlanGoalTraining(
                    enrollment_id=link.enrollment_id,
                    training_id=link.training_id,
                    title=link.title,
                    provider=link.provider,
                    hours=link.hours,
                    cost=link.cost,
                    currency=link.currency,
                    source=link.source,
                    reason=link.reason,
                )
            )
        draft.goals.append(copy)
    return draft
