"""The training catalogue: checking and saving what HR enters, finding trainings, and loading
the shipped catalogue.

Services add and flush and never commit; the view or command that calls them commits once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from competencies.models import Competency
from competencies.services import current_framework
from core.audit import record_event
from core.db import utcnow
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import User
from training.features import FORMATS
from training.models import CURRENCIES, LANGUAGES, Training, TrainingCompetency

TITLE_MAX = 200
PROVIDER_MAX = 120
LINK_MAX = 500
DESCRIPTION_MAX = 5000
MAX_HOURS = 2000
MAX_COST = 1_000_000


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
