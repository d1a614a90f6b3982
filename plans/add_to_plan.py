"""Where "Add to my plan" puts a training: the person's draft plan, under the goal they chose
or else the first goal the training works on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from plans.models import DevelopmentPlan, PlanGoal
from plans.services import draft_of
from training.catalogue import get_training
from training.models import Training


def goal_for_training(goals: list[PlanGoal], competency_codes: list[str]) -> PlanGoal | None:
    """The first goal (by the training's competency order) the training works on."""
    by_code = {g.competency_code: g for g in goals}
    return next((by_code[c] for c in competency_codes if c in by_code), None)


@dataclass(frozen=True)
class PlanPlace:
    """The draft plan (None: the person has none) and its goal (None: none fits) for a training."""

    plan: DevelopmentPlan | None
    training: Training | None = None
    goal: PlanGoal | None = None


def place_in_draft(
    session: Session, person_id: int, training_id: int, wanted_goal_id: str = ""
) -> PlanPlace:
    """Find where the training goes in the person's draft plan; nothing is written.

    :raises NotFoundError: when the training does not exist or is not offered.
    """
    plan = draft_of(session, person_id)
    if plan is None:
        return PlanPlace(None)
    training = get_training(session, training_id)
    goal = next((g for g in plan.goals if str(g.id) == wanted_goal_id), None)
    if goal is None:
        goal = goal_for_training(plan.goals, [c.competency_code for c in training.competencies])
    return PlanPlace(plan, training, goal)
