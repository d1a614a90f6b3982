"""Catalogue upkeep, enrollments and their outcomes, and a person's standings for recommending.

Services add and flush and never commit; the view or command that calls them commits once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from assessments.models import Assessment, AssessmentKind, Rating
from assessments.scoring import Standing
from competencies.models import Competency, Framework, RoleProfile
from competencies.services import current_framework, current_framework_id_query
from core.audit import record_event
from core.cache import side_by_side
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from person_profile.cache import cached_person_profile
from person_profile.target import aimed_role
from training.features import FORMATS
from training.models import (
    CURRENCIES,
    LANGUAGES,
    Enrollment,
    EnrollmentStatus,
    HistoryEnrollment,
    HistoryOutcome,
    LevelObservation,
    Training,
    TrainingCompetency,
)
from training.outcomes import Outcome, OutcomeResult, derive_outcome, levels_around

TITLE_MAX = 200
PROVIDER_MAX = 120
LINK_MAX = 500
DESCRIPTION_MAX = 5000
COMMENT_MAX = 2000
MAX_HOURS = 2000
MAX_COST = 1_000_000


def subject_key_for(person_id: int) -> str:
    """The pseudonymous key a real person has in the learning history."""
    return f"user:{person_id}"


# ---------------------------------------------------------------- catalogue


@dataclass
class TrainingInput:
    """What HR enters for a training; checked by `check_training_input`."""

    title: str
    provider: str
    format: str
    hours: Decimal | float | str
    cost: Decimal | float | str
    currency: str
    language: str
    level_min: int
    level_max: int
    link: str = ""
    description: str = ""
    weights: Mapping[str, float] = field(default_factory=dict)  # competency uuid → weight


def _decimal(value: object) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def check_training_input(data: TrainingInput, known_uuids: Sequence[str]) -> list[str]:
    """Every business rule a training breaks, as sentences (empty when it is fine)."""
    problems = []
    if not data.title.strip() or len(data.title) > TITLE_MAX:
        problems.append(f"Give the training a title of 1 to {TITLE_MAX} characters.")
    if not data.provider.strip() or len(data.provider) > PROVIDER_MAX:
        problems.append(f"Name the provider in 1 to {PROVIDER_MAX} characters.")
    if data.format not in FORMATS:
        problems.append("Choose one of the listed formats.")
    hours = _decimal(data.hours)
    if hours is None or hours <= 0 or hours > MAX_HOURS:
        problems.append(f"Hours must be more than 0 and at most {MAX_HOURS}.")
    cost = _decimal(data.cost)
    if cost is None or cost < 0 or cost > MAX_COST:
        problems.append(f"Cost must be between 0 and {MAX_COST:,}.")
    if data.currency not in CURRENCIES:
        problems.append(f"Currency must be one of {', '.join(CURRENCIES)}.")
    if data.language not in LANGUAGES:
        problems.append(f"Language must be one of {', '.join(LANGUAGES)}.")
    if not (0 <= data.level_min <= 5 and 0 <= data.level_max <= 5):
        problems.append("Levels must lie between 0 and 5.")
    elif data.level_min > data.level_max:
        problems.append("The lowest level cannot be above the highest level.")
    link = data.link.strip()
    if link:
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.netloc or len(link) > LINK_MAX:
            problems.append("The link must be a web address starting with http:// or https://.")
    if len(data.description) > DESCRIPTION_MAX:
        problems.append(f"Keep the description under {DESCRIPTION_MAX} characters.")
    texts = (data.title, data.provider, data.link, data.description)
    if any("\x00" in text for text in texts):
        problems.append("Remove the invisible NUL characters from the text.")
    weights = {u: w for u, w in data.weights.items() if w}
    if not weights:
        problems.append("Choose at least one competency the training develops, with a weight.")
    for uuid, weight in weights.items():
        if uuid not in known_uuids:
            problems.append("One of the chosen competencies is not in the current framework.")
        elif not (isinstance(weight, int | float) and 0 < weight <= 1 and math.isfinite(weight)):
            problems.append("Weights must be more than 0 and at most 1.")
    return problems


def _framework_competencies(session: Session) -> dict[str, Competency]:
    framework = current_framework(session)
    if framework is None:
        raise ValidationError("No competency framework is published yet.")
    rows = session.scalars(sa.select(Competency).where(Competency.framework_id == framework.id))
    return {c.uuid: c for c in rows}


def _snapshot(training: Training) -> dict[str, object]:
    return {
        "title": training.title,
        "provider": training.provider,
        "format": training.format,
        "hours": str(training.hours),
        "cost": str(training.cost),
        "currency": training.currency,
        "language": training.language,
        "level_min": training.level_min,
        "level_max": training.level_max,
        "link": training.link,
        "is_active": training.is_active,
        "competencies": {tc.competency_code: tc.weight for tc in training.competencies},
    }


def _apply(training: Training, data: TrainingInput, competencies: dict[str, Competency]) -> None:
    # Touching the row itself bumps its version even when only the competencies change.
    training.updated_at = utcnow()
    training.title = data.title.strip()
    training.provider = data.provider.strip()
    training.format = data.format
    training.hours = Decimal(str(data.hours))
    training.cost = Decimal(str(data.cost))
    training.currency = data.currency
    training.language = data.language
    training.level_min = data.level_min
    training.level_max = data.level_max
    training.link = data.link.strip()
    training.description = data.description.strip()
    wanted = {u: float(w) for u, w in data.weights.items() if w}
    existing = {tc.competency_uuid: tc for tc in training.competencies}
    for uuid, link in existing.items():
        if uuid not in wanted:
            training.competencies.remove(link)
    for uuid, weight in wanted.items():
        if uuid in existing:
            existing[uuid].weight = weight
            existing[uuid].competency_code = competencies[uuid].code
        else:
            training.competencies.append(
                TrainingCompetency(
                    competency_uuid=uuid, competency_code=competencies[uuid].code, weight=weight
                )
            )


def create_training(session: Session, data: TrainingInput, actor: User | None) -> Training:
    """Add a training to the catalogue after checking it; audited."""
    competencies = _framework_competencies(session)
    problems = check_training_input(data, list(competencies))
    if problems:
        raise ValidationError("The training could not be saved.", problems=problems)
    training = Training(created_by_id=actor.id if actor else None)
    _apply(training, data, competencies)
    session.add(training)
    session.flush()
    record_event(
        session, actor=actor, action="training.create", entity=training, after=_snapshot(training)
    )
    return training


def update_training(
    session: Session,
    training: Training,
    data: TrainingInput,
    actor: User | None,
    *,
    expected_version: int | None = None,
) -> Training:
    """Change a training; refuses a stale edit (someone saved in between) with ConflictError."""
    if expected_version is not None and expected_version != training.version:
        raise ConflictError(
            "Someone else changed this training while you were editing. "
            "Reload the page to see their changes, then make yours again."
        )
    competencies = _framework_competencies(session)
    problems = check_training_input(data, list(competencies))
    if problems:
        raise ValidationError("The training could not be saved.", problems=problems)
    before = _snapshot(training)
    _apply(training, data, competencies)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="training.update",
        entity=training,
        before=before,
        after=_snapshot(training),
    )
    return training


def set_training_active(
    session: Session, training: Training, is_active: bool, actor: User | None
) -> Training:
    """Deactivate (hide from browsing and recommending) or reactivate a training; audited."""
    if training.is_active == is_active:
        return training
    training.is_active = is_active
    session.flush()
    record_event(
        session,
        actor=actor,
        action="training.activate" if is_active else "training.deactivate",
        entity=training,
        before={"is_active": not is_active},
        after={"is_active": is_active},
    )
    return training


def get_training(session: Session, training_id: int, *, include_inactive: bool = False) -> Training:
    """A training with its competencies; NotFoundError when absent (or inactive, unless asked)."""
    training = session.scalar(
        sa.select(Training)
        .where(Training.id == training_id)
        .options(selectinload(Training.competencies))
    )
    if training is None or (not training.is_active and not include_inactive):
        raise NotFoundError("This training does not exist or is no longer offered.")
    return training


@dataclass(frozen=True)
class CatalogueFilter:
    """Filters of the catalogue pages; None means "any"."""

    text: str | None = None
    competency_uuid: str | None = None
    format: str | None = None
    language: str | None = None
    max_cost: Decimal | None = None
    max_hours: Decimal | None = None
    level: int | None = None  # trainings whose range includes this level
    include_inactive: bool = False


def list_trainings(session: Session, filters: CatalogueFilter) -> list[Training]:
    """Trainings matching ``filters``, by title, with competencies loaded in one more query."""
    query = sa.select(Training).options(selectinload(Training.competencies))
    if not filters.include_inactive:
        query = query.where(Training.is_active.is_(True))
    if filters.text:
        pattern = f"%{filters.text.strip().lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Training.title).like(pattern),
                sa.func.lower(Training.provider).like(pattern),
            )
        )
    if filters.competency_uuid:
        query = query.where(
            Training.competencies.any(TrainingCompetency.competency_uuid == filters.competency_uuid)
        )
    if filters.format:
        query = query.where(Training.format == filters.format)
    if filters.language:
        query = query.where(Training.language == filters.language)
    if filters.max_cost is not None:
        query = query.where(Training.cost <= filters.max_cost)
    if filters.max_hours is not None:
        query = query.where(Training.hours <= filters.max_hours)
    if filters.level is not None:
        query = query.where(
            Training.level_min <= filters.level, Training.level_max >= filters.level
        )
    return list(session.scalars(query.order_by(Training.title, Training.id)))


# ---------------------------------------------------------------- enrollments

_TRANSITIONS = {
    EnrollmentStatus.PLANNED: {EnrollmentStatus.IN_PROGRESS, EnrollmentStatus.DROPPED},
    EnrollmentStatus.IN_PROGRESS: {EnrollmentStatus.COMPLETED, EnrollmentStatus.DROPPED},
    EnrollmentStatus.COMPLETED: set(),
    EnrollmentStatus.DROPPED: {EnrollmentStatus.PLANNED},
}


def plan_training(
    session: Session,
    person: User,
    training: Training,
    *,
    planned_for: date | None = None,
    actor: User | None = None,
) -> Enrollment:
    """Create a planned enrollment; refuses a second open one for the same training.

    ``actor`` is who planned it when not the person (a manager building their plan).
    """
    if not training.is_active:
        raise NotFoundError("This training does not exist or is no longer offered.")
    open_one = session.scalar(
        sa.select(Enrollment).where(
            Enrollment.person_id == person.id,
            Enrollment.training_id == training.id,
            Enrollment.status.in_([EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS]),
        )
    )
    if open_one is not None:
        raise ConflictError(f"“{training.title}” is already in your trainings.")
    enrollment = Enrollment(
        person_id=person.id,
        training_id=training.id,
        status=EnrollmentStatus.PLANNED.value,
        planned_for=planned_for,
    )
    session.add(enrollment)
    session.flush()
    record_event(
        session,
        actor=actor or person,
        action="enrollment.plan",
        entity=enrollment,
        after={"training_id": training.id, "status": enrollment.status},
    )
    return enrollment


def get_own_enrollment(session: Session, person: User, enrollment_id: int) -> Enrollment:
    """One of the person's own enrollments; someone else's answers NotFoundError, as if absent."""
    enrollment = session.scalar(
        sa.select(Enrollment)
        .where(Enrollment.id == enrollment_id, Enrollment.person_id == person.id)
        .options(selectinload(Enrollment.training).selectinload(Training.competencies))
    )
    if enrollment is None:
        raise NotFoundError("This enrollment does not exist.")
    return enrollment


def list_enrollments(session: Session, person: User) -> list[Enrollment]:
    """The person's enrollments (newest first) with their trainings loaded."""
    return list(
        session.scalars(
            sa.select(Enrollment)
            .where(Enrollment.person_id == person.id)
            .options(selectinload(Enrollment.training))
            .order_by(Enrollment.planned_at.desc(), Enrollment.id.desc())
        )
    )


def change_enrollment_status(
    session: Session,
    enrollment: Enrollment,
    status: str,
    actor: User,
    *,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Enrollment:
    """Move an enrollment along planned → in progress → completed (or dropped); audited."""
    if expected_version is not None and expected_version != enrollment.version:
        raise ConflictError("This enrollment changed in another window. Reload and try again.")
    try:
        new = EnrollmentStatus(status)
    except ValueError as error:
        raise ValidationError("Unknown status.") from error
    current = EnrollmentStatus(enrollment.status)
    if new not in _TRANSITIONS[current]:
        raise ValidationError(
            f"A {current.label.lower()} training cannot become {new.label.lower()}."
        )
    when = at or utcnow()
    before = {"status": enrollment.status}
    enrollment.status = new.value
    if new == EnrollmentStatus.IN_PROGRESS:
        enrollment.started_at = when
    elif new == EnrollmentStatus.COMPLETED:
        enrollment.completed_at = when
        enrollment.outcome = Outcome.PENDING.value
    elif new == EnrollmentStatus.DROPPED:
        enrollment.dropped_at = when
    elif new == EnrollmentStatus.PLANNED:
        enrollment.dropped_at = None
        enrollment.started_at = None
    session.flush()
    record_event(
        session,
        actor=actor,
        action="enrollment.status",
        entity=enrollment,
        before=before,
        after={"status": enrollment.status},
    )
    if new == EnrollmentStatus.COMPLETED:
        refresh_enrollment_outcome(session, enrollment)
    return enrollment


def rate_enrollment(
    session: Session, enrollment: Enrollment, rating: int, comment: str, actor: User
) -> Enrollment:
    """Record the person's 1–5 rating of a training they started; audited."""
    if enrollment.status == EnrollmentStatus.PLANNED:
        raise ValidationError("Rate a training once you have started it.")
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("Choose a rating from 1 to 5.")
    if "\x00" in comment:
        raise ValidationError("Remove the invisible NUL characters from the comment.")
    if len(comment) > COMMENT_MAX:
        raise ValidationError(f"Keep the comment under {COMMENT_MAX} characters.")
    before = {"rating": enrollment.rating, "comment": enrollment.rating_comment}
    enrollment.rating = rating
    enrollment.rating_comment = comment.strip()
    enrollment.rated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        action="enrollment.rate",
        entity=enrollment,
        before=before,
        after={"rating": rating, "comment": enrollment.rating_comment},
    )
    return enrollment


# ---------------------------------------------------------------- outcomes


def _levels_around(
    session: Session, subject_key: str, codes: Sequence[str], start: datetime, end: datetime
) -> tuple[dict[str, int], dict[str, int]]:
    rows = session.execute(
        sa.select(
            LevelObservation.competency_code,
            LevelObservation.level,
            LevelObservation.observed_at,
            LevelObservation.kind,
        ).where(
            LevelObservation.subject_key == subject_key,
            LevelObservation.competency_code.in_(list(codes)),
        )
    ).all()
    return levels_around([tuple(row) for row in rows], start, end)


def refresh_enrollment_outcome(session: Session, enrollment: Enrollment) -> OutcomeResult | None:
    """Derive a completed enrollment's outcome from the levels before it and after it.

    Stores the outcome on the enrollment and, once known, copies it into the pseudonymous
    learning history the model trains on (once per enrollment).
    """
    if enrollment.status != EnrollmentStatus.COMPLETED or enrollment.completed_at is None:
        return None
    training = enrollment.training
    covered = [tc.competency_code for tc in training.competencies]
    start = enrollment.started_at or enrollment.planned_at
    subject = subject_key_for(enrollment.person_id)
    before, after = _levels_around(session, subject, covered, start, enrollment.completed_at)
    result = derive_outcome(before, after, covered)
    enrollment.outcome = result.outcome.value
    enrollment.outcome_detail = result.as_dict()
    enrollment.outcome_at = utcnow()
    if result.outcome != Outcome.PENDING:
        _record_history(session, enrollment, subject, before, after)
    session.flush()
    return result


def _record_history(
    session: Session,
    enrollment: Enrollment,
    subject: str,
    before: Mapping[str, int],
    after: Mapping[str, int],
) -> None:
    existing = session.scalar(
        sa.select(HistoryEnrollment).where(HistoryEnrollment.enrollment_id == enrollment.id)
    )
    if existing is not None:
        return
    role, items = person_standings(session, enrollment.person)
    needs = {s.code: s for s in items}
    record = HistoryEnrollment(
        subject_key=subject,
        enrollment_id=enrollment.id,
        training_id=enrollment.training_id,
        is_completed=True,
        ended_at=enrollment.completed_at,
        rating=enrollment.rating,
        source="assessment",
        is_synthetic=enrollment.is_synthetic,
    )
    for code in sorted(set(before) & set(after)):
        need = needs.get(code)
        record.outcomes.append(
            HistoryOutcome(
                competency_code=code,
                requirement=need.requirement if need else "can",
                target_level=need.target if need else None,
                level_before=before[code],
                level_after=after[code],
            )
        )
    session.add(record)


def refresh_outcomes(session: Session) -> int:
    """Re-derive every completed enrollment whose outcome is still pending; returns how many."""
    pending = session.scalars(
        sa.select(Enrollment)
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.outcome == Outcome.PENDING,
        )
        .options(selectinload(Enrollment.training).selectinload(Training.competencies))
    ).all()
    changed = 0
    for enrollment in pending:
        result = refresh_enrollment_outcome(session, enrollment)
        changed += int(result is not None and result.outcome != Outcome.PENDING)
    return changed


# ---------------------------------------------------------------- the person's standings


def role_profiles(session: Session, framework: Framework | None = None) -> list[RoleProfile]:
    """The current framework's active role profiles, in their order."""
    framework = framework or current_framework(session)
    if framework is None:
        return []
    return list(
        session.scalars(
            sa.select(RoleProfile)
            .where(RoleProfile.framework_id == framework.id, RoleProfile.is_retired.is_(False))
            .order_by(RoleProfile.position)
        )
    )


def latest_levels(session: Session, person_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """(self levels, evaluated levels): the latest observation per competency and kind."""
    rows = session.execute(
        sa.select(LevelObservation.competency_code, LevelObservation.kind, LevelObservation.level)
        .where(LevelObservation.subject_key == subject_key_for(person_id))
        .order_by(LevelObservation.observed_at, LevelObservation.id)
    ).all()
    own: dict[str, int] = {}
    evaluated: dict[str, int] = {}
    for code, kind, level in rows:
        (evaluated if kind == "evaluated" else own)[code] = level
    return own, evaluated


def person_standings(
    session: Session, user: User, role_code: str | None = None
) -> tuple[RoleProfile | None, list[Standing]]:
    """The person's standing per competency of a target role, from their assessment profile.

    The role is ``role_code`` when given, else the person's chosen target role, else the
    IT Project Manager of the current framework. Levels are the profile's: evaluated where
    there is an evaluation, otherwise self-reported.
    """
    if role_code is not None:
        role_profile_id = session.scalar(
            sa.select(RoleProfile.id).where(
                RoleProfile.framework_id == current_framework_id_query(),
                RoleProfile.code == role_code,
                RoleProfile.is_retired.is_(False),
            )
        )
    else:
        aimed = aimed_role(session, user.id)
        role_profile_id = aimed.role.id if aimed else None
    if role_profile_id is None:
        return None, []
    profile = cached_person_profile(session, user.id, role_profile_id=role_profile_id)
    if profile.role is None:
        return None, []
    items = [
        Standing(
            code=row.code,
            requirement=row.requirement,
            target=row.target,
            self_level=row.self_level,
            evaluated_level=row.evaluated_level,
            level=row.level,
            source=row.source,
            gap=row.gap,
        )
        for row in profile.rows
        if row.requirement is not None
    ]
    return session.get(RoleProfile, profile.role.id), items


def record_assessment_levels(session: Session, assessment: Assessment) -> int:
    """Copy a submitted assessment's levels into the recommender's observations; returns how many.

    Self ratings become ``self`` observations and evaluator ratings ``evaluated`` ones, dated
    at submission, so the outcomes of finished trainings can be derived from them.
    """
    if assessment.submitted_at is None:
        return 0
    kind = "self" if assessment.kind == AssessmentKind.SELF.value else "evaluated"
    rows = session.execute(
        sa.select(Competency.code, Rating.level)
        .join(Competency, Competency.id == Rating.competency_id)
        .where(
            Rating.assessment_id == assessment.id,
            Rating.is_current.is_(True),
            Rating.level.is_not(None),
        )
    ).all()
    for code, level in rows:
        session.add(
            LevelObservation(
                subject_key=subject_key_for(assessment.subject_id),
                person_id=assessment.subject_id,
                competency_code=code,
                kind=kind,
                level=level,
                observed_at=assessment.submitted_at,
                source="assessment",
            )
        )
    session.flush()
    return len(rows)


# ---------------------------------------------------------------- shipped catalogue


def seed_catalogue(session: Session, actor: User | None = None) -> tuple[int, int]:
    """Load training/data/catalogue.json into the catalogue; returns (added, already there).

    Entries are matched by their code, so re-running adds only what is missing and never
    overwrites what HR changed.
    """
    from training.synthetic import read_catalogue_data

    competencies = _framework_competencies(session)
    uuid_of = {c.code: u for u, c in competencies.items()}
    existing = set(session.scalars(sa.select(Training.code).where(Training.code.is_not(None))))
    added = 0
    for entry in read_catalogue_data():
        if entry["code"] in existing:
            continue
        data = TrainingInput(
            title=entry["title"],
            provider=entry["provider"],
            format=entry["format"],
            hours=entry["hours"],
            cost=entry["cost"],
            currency=entry["currency"],
            language=entry["language"],
            level_min=entry["level_min"],
            level_max=entry["level_max"],
            link=entry.get("link", ""),
            description=entry.get("description", ""),
            weights={uuid_of[code]: w for code, w in entry["competencies"].items()},
        )
        problems = check_training_input(data, list(competencies))
        if problems:
            raise ValidationError(f"Catalogue entry {entry['code']} is invalid.", problems=problems)
        training = Training(code=entry["code"], created_by_id=actor.id if actor else None)
        _apply(training, data, competencies)
        session.add(training)
        added += 1
    session.flush()
    if added:
        record_event(
            session,
            actor=actor,
            action="training.import",
            entity=Training(),
            after={"added": added, "source": "training/data/catalogue.json"},
        )
    return added, len(existing)


def recommendation_stamp_parts(
    person_id: sa.BindParameter, subject_key: sa.BindParameter
) -> list[sa.Select]:
    """Scalar selects that together change whenever a person's recommendations may, besides
    their profile: the catalogue, their enrollments, their track record and the levels
    observed after trainings. Rows carry a version that every update moves."""
    # A history enrollment is written together with its outcomes and never changed. Each part
    # counts its rows beside their newest id or version sum, in one pass; a bare max() with a
    # filter may be planned as a backward walk of the whole primary key.
    return [
        # Trainings are deactivated, never deleted; every update moves updated_at.
        sa.select(sa.func.max(Training.id)),
        sa.select(sa.func.max(Training.updated_at)),
        # A removed enrollment lowers the count; every update moves the sum of versions.
        sa.select(
            side_by_side(sa.func.count(Enrollment.id), sa.func.sum(Enrollment.version))
        ).where(Enrollment.person_id == person_id),
        sa.select(
            side_by_side(sa.func.count(HistoryEnrollment.id), sa.func.max(HistoryEnrollment.id))
        ).where(HistoryEnrollment.subject_key == subject_key),
        sa.select(
            side_by_side(sa.func.count(LevelObservation.id), sa.func.max(LevelObservation.id))
        ).where(LevelObservation.subject_key == subject_key),
    ]
