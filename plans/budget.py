"""The training budget of the organisation's plans: limits, planned and spent, per currency."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining, PlanStatus
from training.models import Enrollment, EnrollmentStatus


@dataclass(frozen=True)
class BudgetLine:
    """Budget limits and training costs of the plans in one status and currency."""

    status: str
    currency: str
    plans: int
    budget: Decimal
    planned: Decimal  # linked trainings not dropped
    spent: Decimal  # of which started or completed

    @property
    def status_label(self) -> str:
        return PlanStatus(self.status).label


def budget_summary(session: Session) -> list[BudgetLine]:
    """Planned and spent training budget of approved and proposed plans (two queries).

    A training linked to two goals of one plan is counted once; costs stay in the currency of
    their training (no conversion).
    """
    statuses = [PlanStatus.APPROVED.value, PlanStatus.PROPOSED.value]
    limits = session.execute(
        sa.select(
            DevelopmentPlan.status,
            DevelopmentPlan.currency,
            sa.func.count(DevelopmentPlan.id),
            sa.func.sum(DevelopmentPlan.budget_limit),
        )
        .where(DevelopmentPlan.status.in_(statuses))
        .group_by(DevelopmentPlan.status, DevelopmentPlan.currency)
    ).all()
    links = (
        sa.select(
            DevelopmentPlan.status.label("status"),
            PlanGoalTraining.currency.label("currency"),
            PlanGoalTraining.enrollment_id,
            DevelopmentPlan.id.label("plan_id"),
            sa.func.max(PlanGoalTraining.cost).label("cost"),
            Enrollment.status.label("enrollment_status"),
        )
        .join(PlanGoal, PlanGoal.id == PlanGoalTraining.goal_id)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanGoal.plan_id)
        .join(Enrollment, Enrollment.id == PlanGoalTraining.enrollment_id)
        .where(DevelopmentPlan.status.in_(statuses))
        .group_by(
            DevelopmentPlan.status,
            PlanGoalTraining.currency,
            PlanGoalTraining.enrollment_id,
            DevelopmentPlan.id,
            Enrollment.status,
        )
        .subquery()
    )
    started = [EnrollmentStatus.IN_PROGRESS.value, EnrollmentStatus.COMPLETED.value]
    costs = session.execute(
        sa.select(
            links.c.status,
            links.c.currency,
            sa.func.sum(
                sa.case(
                    (links.c.enrollment_status != EnrollmentStatus.DROPPED.value, links.c.cost),
                    else_=0,
                )
            ),
            sa.func.sum(sa.case((links.c.enrollment_status.in_(started), links.c.cost), else_=0)),
        ).group_by(links.c.status, links.c.currency)
    ).all()
    lines: dict[tuple[str, str], list] = {}
    for status, currency, count, budget in limits:
        lines[(status, currency)] = [count, Decimal(budget or 0), Decimal(0), Decimal(0)]
    for status, currency, planned, spent in costs:
        line = lines.setdefault((status, currency), [0, Decimal(0), Decimal(0), Decimal(0)])
        line[2] += Decimal(planned or 0)
        line[3] += Decimal(spent or 0)
    order = {s: i for i, s in enumerate(statuses)}
    return [
        BudgetLine(status, currency, *values)
        for (status, currency), values in sorted(
            lines.items(), key=lambda i: (order[i[0][0]], i[0][1])
        )
    ]
