"""Project results (every candidate, the ranking, the agreement) cached per project version.

Building a 50-candidate project's results reads every current rating of its sheets and every
submitted self-rating of its candidates, then ranks them: tens of milliseconds. They change
only when a sheet or a self-assessment of a candidate changes, or when the project or its
people do, so a stamp of those is read instead (one query, plus the project and its members,
which the caller has loaded anyway to check access) and the results built last time are
served while it holds.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment, AssessmentKind
from assessments.stamps import assessment_stamp_parts
from core.cache import LRUCache, Stamp, cached
from evaluations.models import EvaluationProject, ProjectMember, is_accepted_candidate
from evaluations.project_access import ProjectPerson, load_members
from evaluations.results import ProjectResults, build_project_results

MAX_PROJECTS = 256


def _stamp_parts() -> list[sa.Select]:
    project_id = sa.bindparam("project_id", type_=sa.Integer)
    candidates = sa.select(ProjectMember.user_id).where(
        ProjectMember.project_id == project_id, is_accepted_candidate()
    )
    return [
        # The project's rating sheets, and its candidates' self-assessment rounds.
        *assessment_stamp_parts(Assessment.evaluation_project_id == project_id),
        *assessment_stamp_parts(
            sa.and_(
                Assessment.subject_id.in_(candidates),
                Assessment.kind == AssessmentKind.SELF.value,
            )
        ),
    ]


_RESULTS_STAMP = Stamp(_stamp_parts)
RESULTS: LRUCache[ProjectResults] = LRUCache(MAX_PROJECTS)


def results_stamp(
    session: Session, project: EvaluationProject, people: tuple[ProjectPerson, ...]
) -> tuple[Any, ...]:
    """A value that changes whenever anything the project's results show changes: its
    sheets and its candidates' self-assessments (one query), the project itself, its owner
    and its people (already loaded by the caller, see ``get_project_header_for``)."""
    ratings = _RESULTS_STAMP.read(session, project_id=project.id)
    project_part = (project.version, project.updated_at, project.role_profile_id)
    owner = (project.owner_id, project.owner.name, project.owner.email)
    return (project_part, owner, people, ratings)


def _build(session: Session, project: EvaluationProject) -> ProjectResults:
    # The role profile belongs to a published framework, which never changes, so its scale
    # (read here, on a miss only) needs no place in the stamp.
    top = max(project.role_profile.framework.level_values)
    return build_project_results(session, load_members(session, project), max_level=top)


def cached_project_results(
    session: Session, project: EvaluationProject, people: tuple[ProjectPerson, ...]
) -> tuple[ProjectResults, Hashable]:
    """The project's results and the key they are cached under (for caching what is
    rendered from them); built, with the members loaded, only when the inputs changed."""
    stamp = results_stamp(session, project, people)
    results = cached(RESULTS, project.id, stamp, lambda: _build(session, project))
    return results, (project.id, stamp)
