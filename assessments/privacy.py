"""Personal data held by assessments: target roles, credentials, self-assessments, evaluations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from assessments.models import (
    Assessment,
    AssessmentKind,
    Certification,
    Evidence,
    Qualification,
    Rating,
    TargetRoleChoice,
)
from competencies.models import Competency, RoleProfile
from core.privacy import ERASED_TEXT, iso_or_none
from core.users import User


def export_person(session: Session, person: User) -> dict[str, Any]:
    """Everything assessments hold about the person, and nothing about anybody else."""
    codes = dict(session.execute(sa.select(Competency.id, Competency.code)).all())
    roles = dict(session.execute(sa.select(RoleProfile.id, RoleProfile.name)).all())
    about_them = session.scalars(
        sa.select(Assessment)
        .where(Assessment.subject_id == person.id)
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.evidence),
            selectinload(Assessment.evaluation_project),
        )
        .order_by(Assessment.created_at)
    ).all()
    self_rounds, evaluations = [], []
    for assessment in about_them:
        ratings = [
            {
                "competency": codes.get(r.competency_id),
                "level": r.level,
                "confidence": r.confidence,
                "interest": r.interest,
                "is_current": r.is_current,
                "reason": r.reason,
                "at": iso_or_none(r.created_at),
            }
            for r in assessment.ratings
        ]
        if assessment.kind == AssessmentKind.SELF.value:
            self_rounds.append(
                {
                    "round": assessment.round_number,
                    "status": assessment.status,
                    "note": assessment.note,
                    "submitted_at": iso_or_none(assessment.submitted_at),
                    "ratings": ratings,
                    "evidence": [
                        {
                            "competency": codes.get(e.competency_id),
                            "kind": e.kind,
                            "text": e.text,
                            "url": e.url,
                            "file": e.file_original_name,
                            "removed_at": iso_or_none(e.removed_at),
                        }
                        for e in assessment.evidence
                    ],
                }
            )
        elif assessment.status == "submitted":
            # Evaluations of the person: the judgements, not who made them.
            evaluations.append(
                {
                    "project": (
                        assessment.evaluation_project.title
                        if assessment.evaluation_project
                        else None
                    ),
                    "submitted_at": iso_or_none(assessment.submitted_at),
                    "ratings": [{k: v for k, v in r.items() if k != "reason"} for r in ratings],
                }
            )
    return {
        "target_roles": [
            {
                "role": roles.get(c.role_profile_id),
                "chosen_at": iso_or_none(c.chosen_at),
                "ended_at": iso_or_none(c.ended_at),
            }
            for c in session.scalars(
                sa.select(TargetRoleChoice).where(TargetRoleChoice.person_id == person.id)
            )
        ],
        "qualifications": [
            {
                "kind": q.kind,
                "title": q.title,
                "institution": q.institution,
                "completed_on": iso_or_none(q.completed_on),
            }
            for q in session.scalars(
                sa.select(Qualification).where(Qualification.person_id == person.id)
            )
        ],
        "certifications": [
            {
                "name": c.name,
                "issuer": c.issuer,
                "category": c.category,
                "obtained_on": iso_or_none(c.obtained_on),
                "expires_on": iso_or_none(c.expires_on),
                "credential_id": c.credential_id,
            }
            for c in session.scalars(
                sa.select(Certification).where(Certification.person_id == person.id)
            )
        ],
        "self_assessments": self_rounds,
        "evaluations_received": evaluations,
        "evaluation_sheets_written": session.scalar(
            sa.select(sa.func.count(Assessment.id)).where(
                Assessment.assessor_id == person.id, Assessment.subject_id != person.id
            )
        ),
    }


def erase_person(session: Session, person: User, evidence_root: Path | None) -> dict[str, int]:
    """Remove what identifies the person; keep the levels so aggregate statistics hold."""
    removed_qualifications = session.execute(
        sa.delete(Qualification).where(Qualification.person_id == person.id)
    ).rowcount
    removed_certifications = session.execute(
        sa.delete(Certification).where(Certification.person_id == person.id)
    ).rowcount
    own = sa.select(Assessment.id).where(Assessment.subject_id == person.id)
    session.execute(sa.update(Assessment).where(Assessment.id.in_(own)).values(note=""))
    # Free text about or by the person: evaluators' reasons on their sheets, their own reasons.
    session.execute(
        sa.update(Rating)
        .where(sa.or_(Rating.assessment_id.in_(own), Rating.created_by_id == person.id))
        .values(reason="")
    )
    files = 0
    for evidence in session.scalars(sa.select(Evidence).where(Evidence.assessment_id.in_(own))):
        if evidence.file_stored_name and evidence_root is not None:
            (Path(evidence_root) / evidence.file_stored_name).unlink(missing_ok=True)
            files += 1
        evidence.text = ERASED_TEXT
        evidence.url = None
        evidence.file_stored_name = None
        evidence.file_original_name = None
        evidence.file_content_type = None
        evidence.file_size_bytes = None
        evidence.file_sha256 = None
    session.flush()
    return {
        "qualifications_removed": removed_qualifications,
        "certifications_removed": removed_certifications,
        "evidence_files_removed": files,
    }
