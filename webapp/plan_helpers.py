"""What the training pages and the plan editor share: the person's draft goals and the
recommender's explanations for one person."""

from __future__ import annotations

import sqlalchemy as sa

from core.users import User
from plans.models import DevelopmentPlan, PlanGoal, PlanStatus
from training.history import person_vector
from training.ranking import RecommendationResult, recommend
from webapp.extensions import db
from webapp.recommending import state as recommender_state


def draft_goals(person: User) -> list[PlanGoal]:
    """The goals of the person's draft plan, in plan order (one query; empty without a draft)."""
    return list(
        db.session.scalars(
            sa.select(PlanGoal)
            .join(DevelopmentPlan, DevelopmentPlan.id == PlanGoal.plan_id)
            .where(
                DevelopmentPlan.person_id == person.id,
                DevelopmentPlan.status == PlanStatus.DRAFT.value,
            )
            .order_by(PlanGoal.position, PlanGoal.id)
        )
    )


def goal_for_training(goals: list[PlanGoal], competency_codes: list[str]) -> PlanGoal | None:
    """The first goal (by the training's competency order) the training works on."""
    by_code = {g.competency_code: g for g in goals}
    return next((by_code[c] for c in competency_codes if c in by_code), None)


def recommendations_for(
    person: User, role_code: str | None, *, k: int = 40
) -> tuple[RecommendationResult | None, dict[str, str]]:
    """The recommender's list for ``person`` against ``role_code`` and the competency names."""
    columns, catalogue, ranker, _ = recommender_state().ranker(db.session)
    profile, _, vector = person_vector(db.session, person, columns, role_code)
    if profile is None:
        return None, dict(columns.names)
    result = recommend(ranker, vector, catalogue, names=columns.names, k=k)
    return result, dict(columns.names)


def recommendation_reason(person: User, role_code: str | None, training_id: int) -> str:
    """The recommender's one-line reason for ``training_id``, or "" when it is not recommended."""
    result, _ = recommendations_for(person, role_code)
    if result is None:
        return ""
    item = next((i for i in result.items if i.key == training_id), None)
    return item.text if item else ""
