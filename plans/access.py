"""Who may see and change a development plan: one place, checked on the server for every plan.

The rules take a *relation* predicate that answers "may this actor act for this candidate?".
It holds for HR and admins (organisation-wide), for the person themself, and for a hiring
manager who owns or co-evaluates an evaluation project the candidate is on. That check lives in
``sees_candidate`` and nowhere else, so every plan page, the PDF download and the workflow
pick it up at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable

from sqlalchemy.orm import Session

from core.users import Role, User
from evaluations.project_access import evaluates_candidate
from plans.models import DevelopmentPlan, PlanStatus

Relation = Callable[[Session, User, int], bool]


def sees_candidate(session: Session, actor: User, person_id: int) -> bool:
    """Whether ``actor`` may act for the candidate ``person_id``.

    HR and admins see everyone; a person sees themself; a hiring manager sees the candidates of
    the evaluation projects they own or co-evaluate.
    """
    if not actor.is_active:
        return False
    if actor.has_role(Role.HR, Role.ADMIN) or actor.id == person_id:
        return True
    return actor.has_role(Role.MANAGER) and evaluates_candidate(session, actor.id, person_id)


class Capacity(enum.StrEnum):
    """In what capacity an actor deals with one plan."""

    OWNER = "owner"  # the person the plan is for
    MANAGER = "manager"  # a hiring manager related to the person
    HR = "hr"  # approves, returns and archives
    READER = "reader"  # may read (admins)


def capacities(
    session: Session, actor: User, person_id: int, related: Relation = sees_candidate
) -> frozenset[Capacity]:
    """Every capacity ``actor`` holds towards the plans of ``person_id`` (empty: no access)."""
    if not related(session, actor, person_id):
        return frozenset()
    held = set()
    if actor.id == person_id:
        held.add(Capacity.OWNER)
    if actor.has_role(Role.MANAGER):
        held.add(Capacity.MANAGER)
    if actor.has_role(Role.HR):
        held.add(Capacity.HR)
    if actor.has_role(Role.ADMIN):
        held.add(Capacity.READER)
    return frozenset(held)


def can_view_plan(
    session: Session, actor: User, plan: DevelopmentPlan, related: Relation = sees_candidate
) -> bool:
    """Whether ``actor`` may read ``plan`` and download its PDF."""
    return bool(capacities(session, actor, plan.person_id, related))


def can_edit_plan(
    session: Session, actor: User, plan: DevelopmentPlan, related: Relation = sees_candidate
) -> bool:
    """Whether ``actor`` may change ``plan`` now: a draft, by its person or a related manager."""
    held = capacities(session, actor, plan.person_id, related)
    return plan.status == PlanStatus.DRAFT and bool(held & {Capacity.OWNER, Capacity.MANAGER})


def can_start_plan(
    session: Session, actor: User, person_id: int, related: Relation = sees_candidate
) -> bool:
    """Whether ``actor`` may start a plan for ``person_id`` (themself, or as a related manager)."""
    held = capacities(session, actor, person_id, related)
    return bool(held & {Capacity.OWNER, Capacity.MANAGER})
