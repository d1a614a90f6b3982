"""Assessments: self-assessment rounds and project rating sheets — start, save drafts, submit,
correct after submission, and the history of rounds.

Services add and flush, never commit. Every change to ratings is audited. Access rules for
any assessment live in ``can_view_assessment`` / ``can_edit_assessment`` only; the project
side (who is in which project) is in ``evaluations.projects``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from assessments.evidence_files import DEFAULT_MAX_BYTES, EvidenceStore, check_upload
from assessments.models import (
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Evidence,
    EvidenceKind,
    Rating,
    TargetRoleChoice,
)
from competencies.models import Area, Competency, Framework, RoleProfile
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import Role, User

SELF_SCALE = (1, 2, 3)  # confidence and interest
EVIDENCE_TEXT_MAX = 2000
EVIDENCE_URL_MAX = 500
NOTE_MAX = 500
REASON_MAX = 500


class StaleAssessmentError(ConflictError):
    """A save was made on an older version of the assessment than the stored one."""

    def __init__(self, expected: int | None, current: int) -> None:
        super().__init__(
            "Your answers were not saved: this assessment was changed in another tab or window "
            f"after you opened it (you had version {expected}, it is now version {current}). "
            "Check the answers below and save again to keep them."
        )
        self.current_version = current


class AssessmentLockedError(ConflictError):
    """The assessment was submitted and can no longer change."""

    def __init__(self, assessment: Assessment) -> None:
        when = assessment.submitted_at.strftime("%d %b %Y") if assessment.submitted_at else ""
        follow_up = (
            "Correct a single level with a reason on the submitted sheet instead."
            if assessment.kind == AssessmentKind.PROJECT
            else "Start a new round to record how you have grown since."
        )
        super().__init__(
            f"{assessment.label} was submitted on {when} and can no longer be changed. {follow_up}"
        )


# ---------------------------------------------------------------- access


def can_view_assessment(actor: User, assessment: Assessment) -> bool:
    """Whether ``actor`` may see ``assessment`` (load its project's ``members`` first).

    Self-assessments: only the person. Project rating sheets: the evaluator who writes it
    while they are in the project; once submitted, also the project's other evaluators (for
    calibration) and HR (read-only). The candidate never sees a sheet: they see the released,
    combined results, which do not say who rated what.
    """
    if not actor.is_active:
        return False
    if assessment.kind == AssessmentKind.SELF:
        return actor.id == assessment.subject_id
    project = assessment.evaluation_project
    if project is None:
        return False
    if actor.id == assessment.assessor_id:
        return project.is_evaluator(actor.id)
    # Another evaluator's draft is still their private work in progress.
    if not assessment.is_submitted:
        return False
    return project.is_evaluator(actor.id) or actor.has_role(Role.HR)


def can_edit_assessment(actor: User, assessment: Assessment) -> bool:
    """Whether ``actor`` writes this assessment (draft or submitted is checked separately).

    A project sheet also needs its writer to be a manager still evaluating in a project that
    is not archived.
    """
    if not actor.is_active or actor.id != assessment.assessor_id:
        return False
    if assessment.kind == AssessmentKind.PROJECT:
        project = assessment.evaluation_project
        return (
            project is not None
            and actor.has_role(Role.MANAGER)
            and project.is_evaluator(actor.id)
            and not project.is_archived
        )
    return True


def get_assessment_for(session: Session, actor: User, assessment_id: int) -> Assessment:
    """The assessment with ratings and evidence loaded, if ``actor`` may see it (else 404)."""
    assessment = session.scalar(
        sa.select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(
            selectinload(Assessment.ratings),
            selectinload(Assessment.evidence),
            selectinload(Assessment.role_profile),
            selectinload(Assessment.evaluation_project),
        )
    )
    if assessment is None or not can_view_assessment(actor, assessment):
        raise NotFoundError("This assessment does not exist, or it is not yours.")
    return assessment


def _check_editable(actor: User, assessment: Assessment, expected_version: int | None) -> None:
    if not can_edit_assessment(actor, assessment):
        raise NotFoundError("This assessment does not exist, or it is not yours.")
    if not assessment.is_draft:
        raise AssessmentLockedError(assessment)
    if expected_version != assessment.version:
        raise StaleAssessmentError(expected_version, assessment.version)


def _flush_versioned(session: Session, assessment: Assessment, expected: int | None) -> None:
    """Flush; a concurrent writer that got there first turns into a stale-version conflict."""
    try:
        session.flush()
    except StaleDataError as error:
        raise StaleAssessmentError(expected, (expected or 0) + 1) from error


# ---------------------------------------------------------------- target role


def current_target_choice(session: Session, person_id: int) -> TargetRoleChoice | None:
    """The person's current target role choice (with its role profile), or None."""
    return session.scalar(
        sa.select(TargetRoleChoice)
        .where(TargetRoleChoice.current_of(person_id))
        .options(selectinload(TargetRoleChoice.role_profile))
    )


def target_role_history(session: Session, person_id: int) -> list[TargetRoleChoice]:
    """Every target role the person has chosen, newest first."""
    return list(
        session.scalars(
            sa.select(TargetRoleChoice)
            .where(TargetRoleChoice.person_id == person_id)
            .options(
                selectinload(TargetRoleChoice.role_profile).selectinload(RoleProfile.framework)
            )
            .order_by(TargetRoleChoice.chosen_at.desc(), TargetRoleChoice.id.desc())
        )
    )


def choose_target_role(session: Session, person: User, role_profile_id: int) -> TargetRoleChoice:
    """Make a role profile of the current framework the person's target; keeps the history."""
    framework = current_framework(session)
    profile = session.get(RoleProfile, role_profile_id)
    if (
        profile is None
        or framework is None
        or profile.framework_id != framework.id
        or profile.is_retired
    ):
        raise ValidationError(
            "Choose one of the role profiles offered.",
            problems=["That role profile is not part of the current framework."],
        )
    current = current_target_choice(session, person.id)
    if current is not None and current.role_profile_id == profile.id:
        return current
    before = None
    if current is not None:
        current.ended_at = utcnow()
        before = {"role_profile_id": current.role_profile_id, "role": current.role_profile.name}
        session.flush()
    choice = TargetRoleChoice(person_id=person.id, role_profile_id=profile.id)
    session.add(choice)
    session.flush()
    record_event(
        session,
        actor=person,
        action="target_role.choose",
        entity=choice,
        before=before,
        after={"role_profile_id": profile.id, "role": profile.name},
    )
    return choice


def role_profile_in_framework(
    session: Session, profile: RoleProfile | None, framework_id: int
) -> RoleProfile | None:
    """The same role (by its stable uuid) in another framework version, if it exists there."""
    if profile is None:
        return None
    if profile.framework_id == framework_id:
        return profile
    return session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.uuid == profile.uuid,
            RoleProfile.framework_id == framework_id,
            RoleProfile.is_retired.is_(False),
        )
    )


# ---------------------------------------------------------------- rounds


def start_self_assessment(session: Session, person: User, note: str = "") -> Assessment:
    """Open a new self-assessment round on the current framework (one open round per person)."""
    framework = current_framework(session)
    if framework is None:
        raise ValidationError("No competency framework has been published yet. Ask HR.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError(
            "The note is too long.", problems=[f"Use at most {NOTE_MAX} characters."]
        )
    open_round = open_self_assessment(session, person.id)
    if open_round is not None:
        raise ConflictError(
            f"You already have an open self-assessment ({open_round.label}). "
            "Continue it, or submit it before you start another round."
        )
    last_round = session.scalar(
        sa.select(sa.func.max(Assessment.round_number)).where(
            Assessment.subject_id == person.id, Assessment.kind == AssessmentKind.SELF.value
        )
    )
    choice = current_target_choice(session, person.id)
    profile = role_profile_in_framework(
        session, choice.role_profile if choice else None, framework.id
    )
    assessment = Assessment(
        kind=AssessmentKind.SELF.value,
        subject_id=person.id,
        assessor_id=person.id,
        framework_id=framework.id,
        role_profile_id=profile.id if profile else None,
        round_number=(last_round or 0) + 1,
        status=AssessmentStatus.DRAFT.value,
        note=note,
    )
    try:
        # A savepoint: a concurrent start that won the race leaves the caller's session usable.
        with session.begin_nested():
            session.add(assessment)
            session.flush()
    except IntegrityError as error:
        raise ConflictError(
            "Another self-assessment round was started at the same moment. Reload the page."
        ) from error
    record_event(
        session,
        actor=person,
        action="assessment.start",
        entity=assessment,
        after={"kind": "self", "round": assessment.round_number, "framework_id": framework.id},
    )
    return assessment


def open_self_assessment(session: Session, person_id: int) -> Assessment | None:
    """The person's open (draft) self-assessment round, if any."""
    return session.scalar(
        sa.select(Assessment).where(
            Assessment.subject_id == person_id,
            Assessment.kind == AssessmentKind.SELF.value,
            Assessment.status == AssessmentStatus.DRAFT.value,
        )
    )


def list_self_assessments(session: Session, person_id: int) -> list[Assessment]:
    """All self-assessment rounds of a person, newest first, with ratings loaded (2 queries)."""
    return list(
        session.scalars(
            sa.select(Assessment)
            .where(Assessment.subject_id == person_id, Assessment.kind == AssessmentKind.SELF.value)
            .options(selectinload(Assessment.ratings), selectinload(Assessment.role_profile))
            .order_by(Assessment.round_number.desc())
        )
    )


# ---------------------------------------------------------------- saving answers


@dataclass(frozen=True)
class RatingInput:
    """An answer for one competency. Fields left None are "not given" and keep what is stored."""

    competency_id: int
    level: int | None = None
    not_assessed: bool = False
    confidence: int | None = None
    interest: int | None = None

    @property
    def decides_level(self) -> bool:
        return self.not_assessed or self.level is not None


@dataclass(frozen=True)
class EvidenceInput:
    """New evidence for one competency: text, a link and/or a file (name and bytes)."""

    competency_id: int
    kind: str
    text: str = ""
    url: str = ""
    file_name: str | None = None
    file_data: bytes | None = None


@dataclass
class SaveResult:
    """What a save changed, and the version the next save must name."""

    version: int
    ratings_changed: int = 0
    evidence_added: int = 0
    saved_at: Any = None
    problems: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.ratings_changed or self.evidence_added)


def _framework_competencies(session: Session, framework_id: int) -> dict[int, Competency]:
    return {
        c.id: c
        for c in session.scalars(
            sa.select(Competency)
            .where(Competency.framework_id == framework_id)
            .options(selectinload(Competency.area))
        )
    }


def answerable_competencies(session: Session, assessment: Assessment) -> dict[int, Competency]:
    """The competencies an assessment answers: the whole framework for a self-assessment, the
    competencies of the judged role profile for a project rating sheet."""
    competencies = _framework_competencies(session, assessment.framework_id)
    if assessment.kind == AssessmentKind.PROJECT and assessment.role_profile is not None:
        asked = {r.competency_id for r in assessment.role_profile.requirements}
        competencies = {cid: c for cid, c in competencies.items() if cid in asked}
    return competencies


def _levels_of(session: Session, framework_id: int) -> list[int]:
    framework = session.get(Framework, framework_id)
    assert framework is not None
    return framework.level_values


def _check_rating_inputs(
    ratings: Sequence[RatingInput],
    competencies: dict[int, Competency],
    levels: list[int],
    is_self: bool,
) -> list[str]:
    problems = []
    seen: set[int] = set()
    for item in ratings:
        competency = competencies.get(item.competency_id)
        if competency is None:
            problems.append("An answer names a competency that is not in this framework.")
            continue
        if item.competency_id in seen:
            problems.append(f"{competency.name}: answered twice in one save.")
        seen.add(item.competency_id)
        if item.level is not None and item.not_assessed:
            problems.append(f"{competency.name}: choose a level or 'not assessed', not both.")
        if item.level is not None and item.level not in levels:
            problems.append(
                f"{competency.name}: the level must be one of {', '.join(map(str, levels))}."
            )
        for label, value in (("confidence", item.confidence), ("interest", item.interest)):
            if value is None:
                continue
            if not is_self:
                problems.append(f"{competency.name}: {label} belongs to self-assessments only.")
            elif value not in SELF_SCALE:
                problems.append(f"{competency.name}: {label} must be 1, 2 or 3.")
    return problems


def _check_url(url: str) -> str | None:
    url = url.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("A link must start with http:// or https:// and name a site.")
    if len(url) > EVIDENCE_URL_MAX:
        raise ValueError(f"A link may have at most {EVIDENCE_URL_MAX} characters.")
    return url


@dataclass(frozen=True)
class _CheckedEvidence:
    source: EvidenceInput
    url: str | None
    upload: Any


def _check_evidence_inputs(
    items: Sequence[EvidenceInput], competencies: dict[int, Competency], max_bytes: int
) -> tuple[list[_CheckedEvidence], list[str]]:
    checked, problems = [], []
    kinds = {k.value for k in EvidenceKind}
    for item in items:
        competency = competencies.get(item.competency_id)
        name = competency.name if competency else "Evidence"
        if competency is None:
            problems.append("Evidence names a competency that is not in this framework.")
            continue
        if item.kind not in kinds:
            problems.append(f"{name}: choose what kind of evidence this is.")
        text = (item.text or "").strip()
        if len(text) > EVIDENCE_TEXT_MAX:
            problems.append(
                f"{name}: the evidence text may have at most {EVIDENCE_TEXT_MAX} characters."
            )
        try:
            url = _check_url(item.url or "")
        except ValueError as error:
            problems.append(f"{name}: {error}")
            url = None
        upload = None
        if item.file_data is not None or item.file_name:
            try:
                upload = check_upload(item.file_name or "", item.file_data or b"", max_bytes)
            except ValidationError as error:
                problems.extend(f"{name}: {p}" for p in error.problems)
        if not text and not url and upload is None and not problems:
            problems.append(f"{name}: evidence needs a text, a link or a file.")
        checked.append(_CheckedEvidence(item, url, upload))
    return checked, problems


def append_rating(
    session: Session,
    assessment: Assessment,
    actor: User,
    competency_id: int,
    *,
    level: int | None,
    confidence: int | None = None,
    interest: int | None = None,
    reason: str = "",
) -> tuple[Rating | None, Rating]:
    """Append a rating for a competency; the current one (if any) stops being current.

    Returns ``(previous, new)``. Values are never overwritten: the old row stays as history.
    """
    previous = next(
        (r for r in assessment.ratings if r.competency_id == competency_id and r.is_current), None
    )
    if previous is not None:
        previous.is_current = False
        # The old row must stop being current before the new one is written (unique index).
        session.flush()
    rating = Rating(
        assessment=assessment,
        competency_id=competency_id,
        level=level,
        confidence=confidence,
        interest=interest,
        is_current=True,
        supersedes_id=previous.id if previous else None,
        reason=reason[:REASON_MAX],
        created_by_id=actor.id,
    )
    session.add(rating)
    return previous, rating


def _describe(rating: Rating | None) -> dict[str, Any] | None:
    if rating is None:
        return None
    return {"level": rating.level, "confidence": rating.confidence, "interest": rating.interest}


def save_answers(
    session: Session,
    assessment: Assessment,
    actor: User,
    *,
    expected_version: int | None,
    ratings: Sequence[RatingInput] = (),
    evidence: Sequence[EvidenceInput] = (),
    store: EvidenceStore | None = None,
    max_file_bytes: int = DEFAULT_MAX_BYTES,
) -> SaveResult:
    """Save part of a draft: any subset of answers and new evidence, all or nothing.

    Partial data is fine (autosave sends what is on the page). Unchanged answers add no rows.
    :raises StaleAssessmentError: when ``expected_version`` is not the stored version.
    """
    _check_editable(actor, assessment, expected_version)
    competencies = answerable_competencies(session, assessment)
    levels = _levels_of(session, assessment.framework_id)
    is_self = assessment.kind == AssessmentKind.SELF
    problems = _check_rating_inputs(ratings, competencies, levels, is_self)
    checked, evidence_problems = _check_evidence_inputs(evidence, competencies, max_file_bytes)
    problems += evidence_problems
    if checked and any(c.upload is not None for c in checked) and store is None:
        problems.append("File uploads are not available here.")
    if problems:
        raise ValidationError("Nothing was saved. Please correct the answers.", problems=problems)

    current = assessment.current_ratings
    planned: list[tuple[int, int | None, int | None, int | None]] = []
    for item in ratings:
        old = current.get(item.competency_id)
        if not item.decides_level and old is None:
            # Confidence or interest alone is not an answer yet; it is saved with the level.
            continue
        level = None if item.not_assessed else item.level
        if not item.decides_level:
            level = old.level if old else None
        confidence = item.confidence if item.confidence is not None else (old and old.confidence)
        interest = item.interest if item.interest is not None else (old and old.interest)
        if old is not None and (old.level, old.confidence, old.interest) == (
            level,
            confidence,
            interest,
        ):
            continue
        planned.append((item.competency_id, level, confidence or None, interest or None))

    result = SaveResult(version=assessment.version)
    if not planned and not checked:
        return result
    # Take the version first: a concurrent writer fails here, before any rating is written.
    assessment.updated_at = utcnow()
    _flush_versioned(session, assessment, expected_version)

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competency_id, level, confidence, interest in planned:
        previous, new = append_rating(
            session,
            assessment,
            actor,
            competency_id,
            level=level,
            confidence=confidence,
            interest=interest,
        )
        code = competencies[competency_id].code
        before[code] = _describe(previous)
        after[code] = _describe(new)

    added = []
    for item in checked:
        stored_name = store.save(item.upload) if (item.upload is not None and store) else None
        row = Evidence(
            assessment=assessment,
            competency_id=item.source.competency_id,
            kind=item.source.kind,
            text=(item.source.text or "").strip(),
            url=item.url,
            file_stored_name=stored_name,
            file_original_name=item.upload.original_name if item.upload else None,
            file_content_type=item.upload.file_type.content_type if item.upload else None,
            file_size_bytes=item.upload.size if item.upload else None,
            file_sha256=item.upload.sha256 if item.upload else None,
            created_by_id=actor.id,
        )
        session.add(row)
        added.append(row)
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="assessment.ratings.save",
            entity=assessment,
            before=before,
            after=after,
        )
    for row in added:
        record_event(
            session,
            actor=actor,
            action="assessment.evidence.add",
            entity=row,
            after={
                "assessment_id": assessment.id,
                "competency": competencies[row.competency_id].code,
                "kind": row.kind,
                "has_file": row.has_file,
                "has_link": row.url is not None,
            },
        )
    result.version = assessment.version
    result.ratings_changed = len(after)
    result.evidence_added = len(added)
    result.saved_at = assessment.updated_at
    return result


def remove_evidence(
    session: Session,
    assessment: Assessment,
    actor: User,
    evidence_id: int,
    *,
    expected_version: int | None,
) -> int:
    """Take evidence off a draft (the row and file are kept, marked removed). Returns version."""
    _check_editable(actor, assessment, expected_version)
    row = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if row is None or row.removed_at is not None:
        raise NotFoundError("This piece of evidence does not exist.")
    row.removed_at = utcnow()
    assessment.updated_at = utcnow()
    _flush_versioned(session, assessment, expected_version)
    record_event(
        session,
        actor=actor,
        action="assessment.evidence.remove",
        entity=row,
        before={"assessment_id": assessment.id, "kind": row.kind},
    )
    return assessment.version


def get_evidence_for(
    session: Session, actor: User, assessment_id: int, evidence_id: int
) -> Evidence:
    """Evidence the actor may see (through its assessment), else NotFoundError."""
    assessment = get_assessment_for(session, actor, assessment_id)
    row = next((e for e in assessment.evidence if e.id == evidence_id), None)
    if row is None or row.removed_at is not None:
        raise NotFoundError("This piece of evidence does not exist.")
    return row


# ---------------------------------------------------------------- submitting


def missing_answers(session: Session, assessment: Assessment) -> list[Competency]:
    """Competencies still without an answer (a level or "not assessed" / "not observed")."""
    answered = set(assessment.current_ratings)
    competencies = answerable_competencies(session, assessment)
    ordered = sorted(competencies.values(), key=lambda c: (c.area.position, c.position))
    return [c for c in ordered if c.id not in answered]


def submit_assessment(
    session: Session, assessment: Assessment, actor: User, *, expected_version: int | None
) -> Assessment:
    """Lock the assessment: every competency needs an answer (a level or "not assessed")."""
    _check_editable(actor, assessment, expected_version)
    missing = missing_answers(session, assessment)
    if missing:
        skip = "'not observed'" if assessment.kind == AssessmentKind.PROJECT else "'not assessed'"
        raise ValidationError(
            f"{len(missing)} competencies have no answer yet. Choose a level, or "
            f"{skip} where you cannot judge, then submit.",
            problems=[f"{c.area.name}: {c.name}" for c in missing],
        )
    if assessment.kind == AssessmentKind.SELF:
        # The round keeps the target role that was current when it was submitted.
        choice = current_target_choice(session, assessment.subject_id)
        profile = role_profile_in_framework(
            session, choice.role_profile if choice else None, assessment.framework_id
        )
        assessment.role_profile_id = profile.id if profile else None
    now = utcnow()
    assessment.status = AssessmentStatus.SUBMITTED.value
    assessment.submitted_at = now
    assessment.updated_at = now
    _flush_versioned(session, assessment, expected_version)
    record_event(
        session,
        actor=actor,
        action="assessment.submit",
        entity=assessment,
        before={"status": "draft"},
        after={
            "status": "submitted",
            "levels": {str(r.competency_id): r.level for r in assessment.ratings if r.is_current},
        },
    )
    return assessment


CORRECTION_REASON_MIN = 10


def correct_submitted_rating(
    session: Session,
    assessment: Assessment,
    actor: User,
    *,
    competency_id: int,
    level: int | None,
    reason: str,
    expected_version: int | None,
) -> Rating:
    """Correct one rating of a submitted project sheet: a new row with a reason, never an edit.

    ``level`` None means "not observed". The superseded row stays as history.
    :raises ValidationError: no reason, an unknown level or competency, or no change.
    """
    if not can_edit_assessment(actor, assessment) or assessment.kind != AssessmentKind.PROJECT:
        raise NotFoundError("This rating sheet does not exist, or it is not yours.")
    if not assessment.is_submitted:
        raise ConflictError(
            "This rating sheet is still a draft: change the level on the sheet itself. "
            "Corrections with a reason are for submitted sheets."
        )
    if expected_version != assessment.version:
        raise StaleAssessmentError(expected_version, assessment.version)
    competencies = answerable_competencies(session, assessment)
    levels = _levels_of(session, assessment.framework_id)
    reason = (reason or "").strip()
    problems = []
    competency = competencies.get(competency_id)
    if competency is None:
        problems.append("Choose a competency of this rating sheet.")
    if level is not None and level not in levels:
        problems.append(f"The level must be one of {', '.join(map(str, levels))}.")
    if len(reason) < CORRECTION_REASON_MIN:
        problems.append(
            f"Say why the rating changes (at least {CORRECTION_REASON_MIN} characters): "
            "the reason stays in the history."
        )
    elif len(reason) > REASON_MAX:
        problems.append(f"Keep the reason to at most {REASON_MAX} characters.")
    current = assessment.current_ratings.get(competency_id)
    if not problems and current is not None and current.level == level:
        shown = "not observed" if level is None else f"level {level}"
        problems.append(f"{competency.name} is already rated {shown}; nothing to correct.")
    if problems:
        raise ValidationError("The correction was not saved.", problems=problems)
    assessment.updated_at = utcnow()
    _flush_versioned(session, assessment, expected_version)
    previous, rating = append_rating(
        session, assessment, actor, competency_id, level=level, reason=reason
    )
    session.flush()
    record_event(
        session,
        actor=actor,
        action="assessment.rating.correct",
        entity=assessment,
        before={competency.code: _describe(previous)},
        after={competency.code: _describe(rating), "reason": reason},
    )
    return rating


def area_progress(assessment: Assessment, areas: Sequence[Area]) -> list[tuple[Area, int, int]]:
    """Per area: (area, answered, total) for the assessment's current answers."""
    answered = set(assessment.current_ratings)
    return [
        (area, sum(1 for c in area.competencies if c.id in answered), len(area.competencies))
        for area in areas
    ]
