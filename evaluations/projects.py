"""Evaluation projects: checking and saving their details, archiving them.

Who may do what is in ``evaluations.project_access``; people are in ``evaluations.people``,
rating sheets in ``evaluations.sheets``, results in ``evaluations.results``.

Rating sheets are ``Assessment`` rows of kind ``project``; saving, submitting and correcting
them go through ``assessments.answers`` and ``assessments.submission`` so that there is one
set of rules for all assessments. Services add and flush, never commit, and audit every change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from assessments.models import Assessment, AssessmentStatus
from competencies.models import RoleProfile
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, PermissionDeniedError, ValidationError
from core.users import Role, User
from evaluations.models import EvaluationProject, ProjectKind
from evaluations.project_access import require_open, require_owner

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
TECHNOLOGY_MAX = 40
TECHNOLOGIES_MAX = 20
BUDGET_MAX = Decimal("10000000000")  # ten billion currency units is beyond any project here
# ISO 4217 codes offered for budgets; enough for the organisations Proficio serves.
CURRENCIES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "JPY",
    "CAD",
    "AUD",
    "INR",
)


class StaleProjectError(ConflictError):
    """The project was changed by someone else after the editor opened it."""

    def __init__(self) -> None:
        super().__init__(
            "The project was not saved: it was changed in another tab or by someone else after "
            "you opened it. Reload the page, check the details and save again."
        )


@dataclass(frozen=True)
class ProjectInput:
    """What a manager enters for a project (already parsed into types by the form)."""

    title: str
    description: str
    kind: str
    budget: Decimal | None
    currency: str | None
    start_on: date | None
    deadline_on: date | None
    technologies: Sequence[str]
    role_profile_id: int | None


def parse_technologies(text: str) -> list[str]:
    """Split "Linux, VMware; Ansible" into distinct names (commas, semicolons or new lines)."""
    seen: dict[str, str] = {}
    for part in re.split(r"[,;\n]", text or ""):
        name = " ".join(part.split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def _budget_cents(budget: Decimal | None, currency: str | None, problems: list[str]) -> int | None:
    if budget is None:
        if currency:
            problems.append("Enter the budget amount, or leave the currency empty.")
        return None
    try:
        finite = budget.is_finite()
    except (AttributeError, InvalidOperation):
        finite = False
    if not finite:
        problems.append("The budget must be a number.")
        return None
    if budget < 0:
        problems.append("The budget cannot be negative.")
    elif budget > BUDGET_MAX:
        problems.append(f"The budget may be at most {BUDGET_MAX:,.0f}.")
    elif budget != budget.quantize(Decimal("0.01")):
        problems.append("Give the budget with at most two decimal places.")
    if not currency:
        problems.append("Choose the currency of the budget.")
    elif currency not in CURRENCIES:
        problems.append("Choose a currency from the list.")
    if problems:
        return None
    return int(budget * 100)


def _checked_values(session: Session, data: ProjectInput) -> dict:
    problems: list[str] = []
    title = " ".join((data.title or "").split())
    if not title:
        problems.append("Enter a title.")
    elif len(title) > TITLE_MAX:
        problems.append(f"Keep the title to at most {TITLE_MAX} characters.")
    description = (data.description or "").strip()
    if len(description) > DESCRIPTION_MAX:
        problems.append(f"Keep the description to at most {DESCRIPTION_MAX} characters.")
    if data.kind not in {k.value for k in ProjectKind}:
        problems.append("Choose whether this is a real project or a case study.")
    budget_problems: list[str] = []
    cents = _budget_cents(data.budget, data.currency or None, budget_problems)
    problems += budget_problems
    if data.start_on is None or data.deadline_on is None:
        problems.append("Enter the start date and the deadline.")
    elif data.deadline_on < data.start_on:
        problems.append("The deadline cannot be before the start date.")
    technologies = [" ".join(t.split()) for t in data.technologies if t and t.strip()]
    if len(technologies) > TECHNOLOGIES_MAX:
        problems.append(f"List at most {TECHNOLOGIES_MAX} technologies.")
    for name in technologies:
        if len(name) > TECHNOLOGY_MAX:
            problems.append(f"“{name[:20]}…” is longer than {TECHNOLOGY_MAX} characters.")
    framework = current_framework(session)
    profile = session.get(RoleProfile, data.role_profile_id) if data.role_profile_id else None
    if (
        profile is None
        or framework is None
        or profile.framework_id != framework.id
        or profile.is_retired
    ):
        problems.append("Choose one of the role profiles of the current framework.")
    if problems:
        raise ValidationError("The project was not saved.", problems=problems)
    return {
        "title": title,
        "description": description,
        "kind": data.kind,
        "budget_cents": cents,
        "currency": data.currency if cents is not None else None,
        "start_on": data.start_on,
        "deadline_on": data.deadline_on,
        "technologies": technologies,
        "role_profile_id": profile.id,
    }


def _describe_project(values: dict) -> dict:
    return {
        key: (value.isoformat() if isinstance(value, date) else value)
        for key, value in values.items()
    }


def create_project(session: Session, owner: User, data: ProjectInput) -> EvaluationProject:
    """A new project owned by ``owner`` (a manager)."""
    if not owner.is_active or not owner.has_role(Role.MANAGER):
        raise PermissionDeniedError("Only hiring managers create evaluation projects.")
    values = _checked_values(session, data)
    project = EvaluationProject(owner_id=owner.id, **values)
    session.add(project)
    session.flush()
    record_event(
        session,
        actor=owner,
        action="evaluation.create",
        entity=project,
        after=_describe_project(values),
    )
    return project


def update_project(
    session: Session,
    project: EvaluationProject,
    actor: User,
    data: ProjectInput,
    *,
    expected_version: int | None,
) -> EvaluationProject:
    """Change the project's details (owner only, optimistic locking on ``version``).

    Once rating sheets exist the role profile may change only within the sheets' framework
    version, so that every sheet stays comparable.
    """
    require_owner(actor, project)
    require_open(project)
    if expected_version != project.version:
        raise StaleProjectError()
    values = _checked_values(session, data)
    if values["role_profile_id"] != project.role_profile_id:
        new_profile = session.get(RoleProfile, values["role_profile_id"])
        has_sheets = session.scalar(
            sa.select(sa.func.count(Assessment.id)).where(
                Assessment.evaluation_project_id == project.id
            )
        )
        if has_sheets and new_profile.framework_id != project.role_profile.framework_id:
            raise ValidationError(
                "The project was not saved.",
                problems=[
                    "Rating sheets were made on another framework version; the role profile "
                    "can only change to one of that version."
                ],
            )
    before = {key: getattr(project, key) for key in values}
    changed = {key: value for key, value in values.items() if before[key] != value}
    if not changed:
        return project
    for key, value in changed.items():
        setattr(project, key, value)
    project.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleProjectError() from error
    if "role_profile_id" in changed:
        # Draft sheets judge against the project's role; submitted ones keep their snapshot.
        for sheet in session.scalars(
            sa.select(Assessment).where(
                Assessment.evaluation_project_id == project.id,
                Assessment.status == AssessmentStatus.DRAFT.value,
            )
        ):
            sheet.role_profile_id = project.role_profile_id
        session.flush()
    record_event(
        session,
        actor=actor,
        action="evaluation.update",
        entity=project,
        before=_describe_project({k: before[k] for k in changed}),
        after=_describe_project(changed),
    )
    return project


def set_archived(
    session: Session, project: EvaluationProject, actor: User, *, archived: bool
) -> EvaluationProject:
    """Archive (read-only from then on) or restore a project (owner only)."""
    require_owner(actor, project)
    if project.is_archived == archived:
        return project
    project.archived_at = utcnow() if archived else None
    project.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="evaluation.archive" if archived else "evaluation.restore",
        entity=project,
        before={"archived": not archived},
        after={"archived": archived},
    )
    return project
