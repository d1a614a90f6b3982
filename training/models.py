"""Training catalogue, enrollments, and the recommender's pseudonymous learning history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow
from training.features import FORMATS
from training.outcomes import Outcome

if TYPE_CHECKING:
    from core.users import User

CURRENCIES = ("EUR", "CHF", "GBP", "USD")
LANGUAGES = {"en": "English", "de": "German"}


class EnrollmentStatus(enum.StrEnum):
    """Where a person is with a training."""

    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def _in(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Training(Base):
    """One course in the catalogue. Deactivated trainings stay for history, hidden from search."""

    __tablename__ = "trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable slug from the shipped catalogue (seed idempotence); None for trainings HR adds.
    code: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(120))
    format: Mapped[str] = mapped_column(sa.String(20))
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1))
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    language: Mapped[str] = mapped_column(sa.String(8))
    level_min: Mapped[int]
    level_max: Mapped[int]
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Indexed for the recommendations page's stamp, whose max() then reads one index entry.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    competencies: Mapped[list[TrainingCompetency]] = relationship(
        back_populates="training",
        cascade="all, delete-orphan",
        order_by="(TrainingCompetency.weight.desc(), TrainingCompetency.competency_code)",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(f"format IN ({_in(FORMATS)})", name="format_is_known"),
        sa.CheckConstraint(f"currency IN ({_in(CURRENCIES)})", name="currency_is_known"),
        sa.CheckConstraint("hours > 0", name="hours_positive"),
        sa.CheckConstraint("cost >= 0", name="cost_not_negative"),
        sa.CheckConstraint(
            "level_min >= 0 AND level_max <= 5 AND level_min <= level_max", name="level_range"
        ),
    )

    def __repr__(self) -> str:
        return f"<Training {self.id} {self.title!r}>"


class TrainingCompetency(Base):
    """A competency a training works on, with how much (0 < weight ≤ 1).

    Identified by the competency's ``uuid``, which every framework version shares, so the link
    survives new versions; the code is kept for reading and for the recommender's columns.
    """

    __tablename__ = "training_competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id", ondelete="CASCADE"))
    competency_uuid: Mapped[str] = mapped_column(sa.String(36), index=True)
    competency_code: Mapped[str] = mapped_column(sa.String(40))
    weight: Mapped[float] = mapped_column(sa.Float)

    training: Mapped[Training] = relationship(back_populates="competencies")

    __table_args__ = (
        sa.UniqueConstraint(
            "training_id", "competency_uuid", name="uq_training_competencies_training_competency"
        ),
        sa.CheckConstraint("weight > 0 AND weight <= 1", name="weight_range"),
    )


class Enrollment(Base):
    """A person's plan, progress, rating and outcome for one training."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=EnrollmentStatus.PLANNED.value)
    planned_for: Mapped[date | None] = mapped_column(sa.Date)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dropped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None]
    rating_comment: Mapped[str] = mapped_column(sa.Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    outcome_detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Demo enrollments made by `seed --demo` are generated, and say so on the page.
    is_synthetic: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    person: Mapped[User] = relationship()
    training: Mapped[Training] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.Index("ix_enrollments_person_status", "person_id", "status"),
        sa.CheckConstraint(
            f"status IN ({_in([s.value for s in EnrollmentStatus])})", name="status_is_known"
        ),
        sa.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        sa.CheckConstraint(
            f"outcome IS NULL OR outcome IN ({_in([o.value for o in Outcome])})",
            name="outcome_is_known",
        ),
    )

    @property
    def status_enum(self) -> EnrollmentStatus:
        return EnrollmentStatus(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in {EnrollmentStatus.PLANNED, EnrollmentStatus.IN_PROGRESS}


class LevelObservation(Base):
    """A person's level of one competency as seen at one moment (the recommender's input).

    Filled from assessments (``source='assessment'``), or generated by the demo seed and the
    synthetic history (``is_synthetic``). ``subject_key`` is pseudonymous ("user:12",
    "synthetic:0042"), so learning never needs names.
    """

    __tablename__ = "level_observations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_key: Mapped[str] = mapped_column(sa.String(40))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    competency_code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[str] = mapped_column(sa.String(10), default="self")  # self | evaluated
    level: Mapped[int]
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(sa.String(20))
    is_synthetic: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.Index("ix_level_observations_subject_time", "subject_key", "observed_at"),
        sa.CheckConstraint("level >= 0 AND level <= 5", name="level_range"),
        sa.CheckConstraint("kind IN ('self', 'evaluated')", name="kind_is_known"),
    )


class HistoryEnrollment(Base):
    """One finished training in the learning history, pseudonymous.

    Real completions are copied here with their enrollment id once the outcome is known;
    synthetic ones come from training/synthetic.py. Dropped trainings are kept (popularity).
    """

    __tablename__ = "history_enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_key: Mapped[str] = mapped_column(sa.String(40), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="SET NULL"), unique=True
    )
    training_id: Mapped[int] = mapped_column(
        sa.ForeignKey("trainings.id", ondelete="CASCADE"), index=True
    )
    is_completed: Mapped[bool]
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    rating: Mapped[int | None]
    source: Mapped[str] = mapped_column(sa.String(20))
    is_synthetic: Mapped[bool] = mapped_column(default=False, index=True)

    outcomes: Mapped[list[HistoryOutcome]] = relationship(
        back_populates="history_enrollment", cascade="all, delete-orphan"
    )


class HistoryOutcome(Base):
    """Before and after levels of one competency a finished training covers."""

    __tablename__ = "history_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    history_enrollment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("history_enrollments.id", ondelete="CASCADE"), index=True
    )
    competency_code: Mapped[str] = mapped_column(sa.String(40))
    requirement: Mapped[str] = mapped_column(sa.String(10))  # must | can, for the person's role
    target_level: Mapped[int | None]
    level_before: Mapped[int]
    level_after: Mapped[int]

    history_enrollment: Mapped[HistoryEnrollment] = relationship(back_populates="outcomes")

    __table_args__ = (
        sa.CheckConstraint("requirement IN ('must', 'can')", name="requirement_is_known"),
    )
