"""A small per-process cache of built profiles, keyed by what a profile is derived from.

A profile changes only when its inputs do: the person's assessments and ratings (appended,
never overwritten), released projects, target role, qualifications and certifications, and
the published framework. One query reads a stamp of all of them; while the stamp is the
same, the profile built last time is still right, so it is served without the eight queries
and the arithmetic. Every process keeps its own cache and checks the stamp against the
database on each call, so several app servers never serve a stale profile.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment, Certification, Qualification, TargetRoleChoice
from assessments.stamps import assessment_stamp_parts
from competencies.models import Framework, RoleProfile
from core.cache import LRUCache, Stamp, cached, side_by_side
from evaluations.models import EvaluationProject
from feedback.models import FeedbackResponse, FeedbackRound
from person_profile.build import PersonProfile, build_person_profile

MAX_ENTRIES = 4096


def person_profile_stamp_parts(person_id: sa.BindParameter) -> list[sa.Select]:
    """Scalar selects that together change whenever the person's profile does (pages that
    show more than the profile add their own parts and read everything in one query)."""
    projects = sa.select(Assessment.evaluation_project_id).where(
        Assessment.subject_id == person_id, Assessment.evaluation_project_id.is_not(None)
    )
    parts = [
        *assessment_stamp_parts(Assessment.subject_id == person_id),
        sa.select(
            side_by_side(
                sa.func.count().filter(EvaluationProject.is_results_released),
                sa.func.max(EvaluationProject.updated_at),
            )
        ).where(EvaluationProject.id.in_(projects)),
        # Counted beside the newest id, here and below, so the rows are read through the
        # person's index in one pass: a bare max() with a filter may be planned as a
        # backward walk of the whole primary key. Removing a record lowers the count, adding
        # one raises the newest id.
        sa.select(
            side_by_side(sa.func.count(TargetRoleChoice.id), sa.func.max(TargetRoleChoice.id))
        ).where(TargetRoleChoice.person_id == person_id),
        sa.select(side_by_side(sa.func.count(), sa.func.max(Qualification.id))).where(
            Qualification.person_id == person_id
        ),
        sa.select(side_by_side(sa.func.count(), sa.func.max(Certification.id))).where(
            Certification.person_id == person_id
        ),
        # Closing, a raised minimum or a withheld group moves a round's version; an erased
        # answer lowers the count of answers. The closing day itself is in the cache key.
        sa.select(
            side_by_side(sa.func.count(FeedbackRound.id), sa.func.sum(FeedbackRound.version))
        ).where(FeedbackRound.subject_id == person_id),
        sa.select(sa.func.count(FeedbackResponse.id))
        .join(FeedbackRound, FeedbackRound.id == FeedbackResponse.round_id)
        .where(FeedbackRound.subject_id == person_id),
        sa.select(sa.func.max(Framework.published_at)),
        sa.select(sa.func.count()).where(RoleProfile.is_retired),
    ]
    return parts


def person_id_parameter() -> sa.BindParameter:
    """The bound parameter the stamp parts take the person by."""
    return sa.bindparam("person_id", type_=sa.Integer)


_PROFILE_STAMP = Stamp(lambda: person_profile_stamp_parts(person_id_parameter()))
PROFILES: LRUCache[PersonProfile] = LRUCache(MAX_ENTRIES)


def person_profile_stamp(session: Session, person_id: int) -> tuple[Any, ...]:
    """One query: a value that changes whenever anything the person's profile shows changes."""
    return _PROFILE_STAMP.read(session, person_id=person_id)


def profile_with_key(
    session: Session,
    person_id: int,
    *,
    role_profile_id: int | None = None,
    today: date | None = None,
) -> tuple[PersonProfile, Hashable]:
    """The person's profile and the key it is cached under (for caching what is rendered
    from it); built only when its inputs changed since last time."""
    key = (person_id, role_profile_id, today or date.today())
    stamp = person_profile_stamp(session, person_id)
    profile = cached(
        PROFILES,
        key,
        stamp,
        lambda: build_person_profile(
            session, person_id, role_profile_id=role_profile_id, today=key[2]
        ),
    )
    return profile, (key, stamp)


def cached_person_profile(
    session: Session,
    person_id: int,
    *,
    role_profile_id: int | None = None,
    today: date | None = None,
) -> PersonProfile:
    """``build_person_profile`` served from the process's cache while its inputs are unchanged."""
    return profile_with_key(session, person_id, role_profile_id=role_profile_id, today=today)[0]
