"""Everything the PDF of one plan shows, gathered as plain values in a fixed number of queries.

``build_plan_document`` reads the plan and the person's profile; the template then only formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import NotFoundError
from person_profile.build import PersonProfile
from plans.builder import BudgetTotals
from plans.charts import Series, radar_chart_svg
from plans.gaps import profile_for
from plans.models import DevelopmentPlan, GoalPriority, GoalStatus, PlanStatus
from plans.services import load_plan, plan_totals
from training.formatting import format_hours, format_money
from training.models import EnrollmentStatus

# The family the PDF's stylesheet declares with @font-face, with fallbacks fontconfig knows.
PDF_FONT_FAMILY = "'Plan Sans', 'DejaVu Sans', 'Liberation Sans', sans-serif"


def profile_radar(
    profile: PersonProfile, *, title: str, id_prefix: str = "radar", font_family: str | None = None
) -> str:
    """The profile's radar chart (target, self, evaluated) as SVG markup, labels escaped."""
    rows = profile.chart_rows
    series = []
    if profile.role is not None:
        series.append(Series(f"Target ({profile.role.name})", [r.target for r in rows], "target"))
    series.append(Series("Self-assessed", [r.self_level for r in rows], "self"))
    if profile.has_evaluations:
        series.append(Series("Evaluated", [r.evaluated_level for r in rows], "evaluated"))
    return radar_chart_svg(
        [row.name for row in rows],
        series,
        max_level=profile.max_level,
        title=title,
        id_prefix=id_prefix,
        **({"font_family": font_family} if font_family else {}),
    )


@dataclass(frozen=True)
class TrainingLine:
    """A linked training as the document lists it."""

    title: str
    provider: str
    goal: str
    status: str
    hours: str
    cost: str
    reason: str
    is_counted: bool


@dataclass(frozen=True)
class GoalLine:
    """A goal as the document lists it."""

    number: int
    code: str
    name: str
    requirement: str | None
    from_level: int
    to_level: int
    priority: str
    due_on: str
    status: str
    actions: str
    trainings: tuple[str, ...]


@dataclass(frozen=True)
class GapLine:
    """One competency of the gap table."""

    name: str
    area: str
    requirement: str | None
    target: int | None
    self_level: int | None
    evaluated_level: int | None
    level: int | None
    is_self_reported: bool
    gap: int | None
    colleague_level: int | None = None


@dataclass(frozen=True)
class Approval:
    """One step of the plan's history."""

    step: str
    who: str
    when: str
    note: str


@dataclass(frozen=True)
class PlanDocument:
    """The whole content of one plan's PDF."""

    plan_id: int
    title: str
    subject: str
    person_name: str
    person_email: str
    role_name: str
    framework_version: str
    version_number: int
    status: str
    status_label: str
    is_demo: bool
    period: str
    summary: str
    budget: str
    totals: BudgetTotals
    totals_text: str
    hours_total: str
    cost_total: str
    budget_left: str
    other_currencies: tuple[str, ...]
    over_budget_reason: str
    goals: tuple[GoalLine, ...]
    trainings: tuple[TrainingLine, ...]
    gaps: tuple[GapLine, ...]
    musts: tuple[GapLine, ...]
    gate_passed: bool | None
    musts_met: int
    musts_total: int
    fit_score: float | None
    has_ratings: bool
    chart_svg: str
    approvals: tuple[Approval, ...]
    approved_by: str
    approved_on: str
    generated_on: str
    file_name: str


def _day(value: datetime | None) -> str:
    return value.strftime("%d %b %Y") if value else ""


def _stamp(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else ""


def _approvals(plan: DevelopmentPlan) -> tuple[Approval, ...]:
    steps = [
        Approval(
            "Drafted", plan.created_by.name if plan.created_by else "", _stamp(plan.created_at), ""
        )
    ]
    if plan.proposed_at:
        steps.append(
            Approval(
                "Proposed",
                plan.proposed_by.name if plan.proposed_by else "",
                _stamp(plan.proposed_at),
                plan.over_budget_reason if plan.over_budget_reason else "",
            )
        )
    if plan.returned_at and plan.status == PlanStatus.DRAFT:
        steps.append(
            Approval(
                "Returned for changes",
                plan.returned_by.name if plan.returned_by else "",
                _stamp(plan.returned_at),
                plan.return_comment,
            )
        )
    if plan.approved_at:
        steps.append(
            Approval(
                "Approved",
                plan.approved_by.name if plan.approved_by else "",
                _stamp(plan.approved_at),
                plan.approval_note,
            )
        )
    if plan.archived_at:
        steps.append(
            Approval(
                "Archived",
                plan.archived_by.name if plan.archived_by else "",
                _stamp(plan.archived_at),
                plan.archive_note,
            )
        )
    return tuple(steps)


def file_name_for(plan: DevelopmentPlan) -> str:
    """A safe, telling file name: plan-<id>-v<version>-<status>.pdf (no personal data)."""
    return f"development-plan-{plan.id}-v{plan.version_number}-{plan.status}.pdf"


def document_from(
    plan: DevelopmentPlan, profile: PersonProfile, *, now: datetime | None = None
) -> PlanDocument:
    """Assemble the document from a loaded plan and the person's profile."""
    now = now or utcnow()
    totals = plan_totals(plan)
    statuses = {s.value: s.label for s in EnrollmentStatus}
    trainings = []
    seen: set[int] = set()
    goal_lines = []
    for number, goal in enumerate(plan.goals, start=1):
        for link in goal.trainings:
            status = link.enrollment.status if link.enrollment else EnrollmentStatus.PLANNED.value
            counted = link.enrollment_id not in seen and status != EnrollmentStatus.DROPPED.value
            seen.add(link.enrollment_id)
            trainings.append(
                TrainingLine(
                    title=link.title,
                    provider=link.provider,
                    goal=goal.competency_name,
                    status=statuses.get(status, status),
                    hours=format_hours(float(link.hours)),
                    cost=format_money(float(link.cost), link.currency),
                    reason=link.reason,
                    is_counted=counted,
                )
            )
        goal_lines.append(
            GoalLine(
                number=number,
                code=goal.competency_code,
                name=goal.competency_name,
                requirement=goal.requirement,
                from_level=goal.from_level,
                to_level=goal.to_level,
                priority=GoalPriority(goal.priority).label,
                due_on=goal.due_on.strftime("%d %b %Y"),
                status=GoalStatus(goal.status).label,
                actions=goal.actions,
                trainings=tuple(t.title for t in goal.trainings),
            )
        )
    gaps = tuple(
        GapLine(
            name=row.name,
            area=row.area,
            requirement=row.requirement,
            target=row.target,
            self_level=row.self_level,
            evaluated_level=row.evaluated_level,
            level=row.level,
            is_self_reported=row.source == "self",
            gap=row.gap,
            colleague_level=row.colleague_level,
        )
        for row in profile.rows
        if row.requirement is not None
    )
    readiness = profile.readiness
    person = plan.person
    role = plan.role_profile
    return PlanDocument(
        plan_id=plan.id,
        title=f"Development plan — {person.name}",
        subject=(
            f"Development plan towards {role.name}, "
            f"{plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}, {plan.label.lower()}"
        ),
        person_name=person.name,
        person_email=person.email,
        role_name=role.name,
        framework_version=profile.role.framework_version if profile.role else "",
        version_number=plan.version_number,
        status=plan.status,
        status_label=plan.status_enum.label,
        is_demo=plan.is_demo,
        period=f"{plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}",
        summary=plan.summary,
        budget=format_money(float(plan.budget_limit), plan.currency),
        totals=totals,
        totals_text=totals.text,
        hours_total=format_hours(float(totals.hours)),
        cost_total=format_money(float(totals.cost), plan.currency),
        budget_left=format_money(
            float(totals.over_by if totals.is_over else totals.remaining), plan.currency
        ),
        other_currencies=tuple(
            format_money(float(amount), currency) for currency, amount in totals.other_currencies
        ),
        over_budget_reason=plan.over_budget_reason,
        goals=tuple(goal_lines),
        trainings=tuple(trainings),
        gaps=gaps,
        musts=tuple(g for g in gaps if g.requirement == "must"),
        gate_passed=readiness.gate_passed if readiness else None,
        musts_met=readiness.musts_met if readiness else 0,
        musts_total=readiness.musts_total if readiness else 0,
        fit_score=readiness.fit_score if readiness else None,
        has_ratings=profile.has_self_ratings or profile.has_evaluations,
        chart_svg=profile_radar(
            profile,
            title=f"Competency profile of {person.name} against {role.name}",
            id_prefix="plan-radar",
            font_family=PDF_FONT_FAMILY,
        ),
        approvals=_approvals(plan),
        approved_by=plan.approved_by.name if plan.approved_by else "",
        approved_on=_day(plan.approved_at),
        generated_on=_stamp(now),
        file_name=file_name_for(plan),
    )


def build_plan_document(
    session: Session, plan_id: int, *, now: datetime | None = None
) -> PlanDocument:
    """Load plan ``plan_id`` and the person's profile and assemble its document (no access
    check: callers check access before)."""
    plan = load_plan(session, plan_id)
    if plan is None:
        raise NotFoundError("This plan does not exist.")
    return document_from(plan, profile_for(session, plan), now=now)
