"""Typed models of what a person brings (target role, qualifications, certifications) and of
assessments: self-assessment rounds and the rating sheets of project evaluations.

An ``Assessment`` is one assessor's judgement of one subject on one framework version. Its
``Rating`` rows are appended, never overwritten: a changed answer adds a row and clears
``is_current`` on the one it replaces, so the history of every answer stays readable.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies.models import Competency, Framework, RoleProfile
from core.db import Base, UTCDateTime, utcnow
from core.users import User


class AssessmentKind(enum.StrEnum):
    """Who judges: the person themselves, or an evaluator on a project."""

    SELF = "self"
    PROJECT = "project"


class AssessmentStatus(enum.StrEnum):
    """A draft is still being filled in; a submitted assessment never changes again."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class EvidenceKind(enum.StrEnum):
    """What a piece of evidence is."""

    PROJECT_ARTEFACT = "project_artefact"
    CERTIFICATE = "certificate"
    OBSERVATION = "observation"
    REFERENCE = "reference"

    @property
    def label(self) -> str:
        return {
            "project_artefact": "Project artefact",
            "certificate": "Certificate",
            "observation": "Observation",
            "reference": "Reference",
        }[self.value]


class QualificationKind(enum.StrEnum):
    """The routes into the role named by the career guide, plus anything else.

    The labels are the wording role profiles use for their expected qualifications, which is
    how the profile tells whether an expectation is met.
    """

    TECHNICAL_INFORMATICS = "technical_informatics"
    ELECTRICAL_ENGINEERING = "electrical_engineering"
    TECHNICAL_IT_FOCUS = "technical_it_focus"
    COMPARABLE = "comparable"
    IT_SPECIALIST_TRAINING = "it_specialist_training"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "technical_informatics": "Degree in technical informatics",
            "electrical_engineering": "Degree in electrical engineering",
            "technical_it_focus": "Technical degree with an IT focus",
            "comparable": "Comparable qualification",
            "it_specialist_training": "IT specialist training",
            "other": "Other qualification",
        }[self.value]


class CertificationCategory(enum.StrEnum):
    """The kind of certification, matched against a role profile's expected certifications."""

    PROJECT_MANAGEMENT = "project_management"
    PROGRAMME_MANAGEMENT = "programme_management"
    AGILE = "agile"
    IT_SERVICE_MANAGEMENT = "it_service_management"
    TECHNICAL = "technical"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "project_management": "Project management certification",
            "programme_management": "Programme management certification",
            "agile": "Agile certification",
            "it_service_management": "IT service management certification",
            "technical": "Technical certification",
            "other": "Other certification",
        }[self.value]


def _in_clause(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class TargetRoleChoice(Base):
    """A person's choice of target role. The newest row without ``ended_at`` is the current one;
    earlier rows are the history of choices."""

    __tablename__ = "target_role_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The role profile row of the framework version that was current when chosen: a snapshot.
    role_profile_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profiles.id"))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[User] = relationship()
    role_profile: Mapped[RoleProfile] = relationship()

    @classmethod
    def current_of(cls, person_id: Any) -> sa.ColumnElement[bool]:
        """The condition for ``person_id``'s current choice (a value, parameter or column)."""
        return sa.and_(cls.person_id == person_id, cls.ended_at.is_(None))

    __table_args__ = (
        sa.Index("ix_target_role_choices_person", "person_id", "chosen_at"),
        # At most one current choice per person, enforced by the database as well.
        sa.Index(
            "uq_target_role_choices_current",
            "person_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class Qualification(Base):
    """A degree, training or other qualification a person holds (or is completing)."""

    __tablename__ = "qualifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    # Subject or name of the qualification; required for kind "other".
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    institution: Mapped[str] = mapped_column(sa.String(200), default="")
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in_clause("kind", QualificationKind), name="kind_is_known"),
    )

    @property
    def kind_enum(self) -> QualificationKind:
        return QualificationKind(self.kind)


class Certification(Base):
    """A certification with its dates; an expired one no longer counts towards a role."""

    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    issuer: Mapped[str] = mapped_column(sa.String(200))
    category: Mapped[str] = mapped_column(sa.String(40), default=CertificationCategory.OTHER.value)
    obtained_on: Mapped[date] = mapped_column(sa.Date)
    expires_on: Mapped[date | None] = mapped_column(sa.Date)
    credential_id: Mapped[str] = mapped_column(sa.String(120), default="")
    # The catalogue entry it was recorded from (assessments/certification_catalogue.py).
    catalogue_code: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in_clause("category", CertificationCategory), name="category_is_known"),
        sa.CheckConstraint(
            "expires_on IS NULL OR expires_on >= obtained_on", name="expiry_after_obtained"
        ),
    )

    @property
    def category_enum(self) -> CertificationCategory:
        return CertificationCategory(self.category)

    def is_valid_on(self, day: date) -> bool:
        """True when the certification has been obtained and has not expired on ``day``."""
        return self.obtained_on <= day and (self.expires_on is None or self.expires_on >= day)


class Assessment(Base):
    """One assessor's judgement of one subject against one framework version.

    A self-assessment round has ``assessor_id == subject_id`` and ``kind == "self"``. Project
    evaluations use ``kind == "project"`` with the evaluator as assessor: one rating sheet per
    (project, evaluator, candidate).
    """

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id"), index=True)
    # The role profile judged against (self: the target role when submitted; project: the
    # project's profile). A row of a published framework version is an immutable snapshot.
    role_profile_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("role_profiles.id"), index=True
    )
    # Project sheets belong to their evaluation project; self rounds have none.
    evaluation_project_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("evaluation_projects.id"), index=True
    )
    # Self rounds are numbered 1, 2, … per subject; other kinds leave it empty.
    round_number: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(20), default=AssessmentStatus.DRAFT.value)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # Optimistic locking: every change bumps it; a save made on an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    subject: Mapped[User] = relationship(foreign_keys=[subject_id])
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    framework: Mapped[Framework] = relationship()
    role_profile: Mapped[RoleProfile | None] = relationship()
    # The project lives in the evaluations package, which builds on this one: the class is
    # found by name in the mapper registry, so this module needs no import of it.
    evaluation_project: Mapped[EvaluationProject | None] = relationship(  # noqa: F821
        back_populates="assessments"
    )
    ratings: Mapped[list[Rating]] = relationship(
        back_populates="assessment", order_by="Rating.id", cascade="all, delete-orphan"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="assessment", order_by="Evidence.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint(_in_clause("kind", AssessmentKind), name="kind_is_known"),
        sa.CheckConstraint(_in_clause("status", AssessmentStatus), name="status_is_known"),
        sa.CheckConstraint(
            "status = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"
        ),
        sa.CheckConstraint("kind != 'self' OR subject_id = assessor_id", name="self_is_own"),
        # A person has at most one open self-assessment round.
        sa.Index(
            "uq_assessments_open_self_round",
            "subject_id",
            unique=True,
            sqlite_where=sa.text("kind = 'self' AND status = 'draft'"),
            postgresql_where=sa.text("kind = 'self' AND status = 'draft'"),
        ),
        sa.UniqueConstraint("subject_id", "kind", "round_number", name="uq_assessments_round"),
        sa.CheckConstraint(
            "(kind = 'project' AND evaluation_project_id IS NOT NULL) OR "
            "(kind != 'project' AND evaluation_project_id IS NULL)",
            name="project_sheet_has_project",
        ),
        sa.CheckConstraint(
            "kind != 'project' OR subject_id != assessor_id", name="project_not_own"
        ),
        sa.UniqueConstraint(
            "evaluation_project_id",
            "assessor_id",
            "subject_id",
            name="uq_assessments_project_sheet",
        ),
    )

    @property
    def is_draft(self) -> bool:
        return self.status == AssessmentStatus.DRAFT

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED

    @property
    def current_ratings(self) -> dict[int, Rating]:
        """The current rating per competency id (load ``ratings`` first to avoid a query)."""
        return {r.competency_id: r for r in self.ratings if r.is_current}

    @property
    def label(self) -> str:
        if self.round_number is not None:
            return f"Round {self.round_number}"
        if self.kind == AssessmentKind.PROJECT:
            return f"Rating sheet {self.id}"
        return f"Assessment {self.id}"

    def __repr__(self) -> str:
        return f"<Assessment {self.id} {self.kind} subject={self.subject_id} {self.status}>"


class Rating(Base):
    """One answer for one competency. Appended, never overwritten: a changed answer is a new
    row that points at the one it supersedes (with a reason once the assessment was submitted).

    ``level`` None means "explicitly not assessed / not observed".
    """

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"), index=True)
    level: Mapped[int | None]
    # Self ratings only: how sure the person is (1–3) and how keen to grow there (1–3).
    confidence: Mapped[int | None]
    interest: Mapped[int | None]
    is_current: Mapped[bool] = mapped_column(default=True)
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ratings.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="ratings")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        sa.CheckConstraint("level IS NULL OR level >= 0", name="level_not_negative"),
        sa.CheckConstraint(
            "confidence IS NULL OR confidence BETWEEN 1 AND 3", name="confidence_in_range"
        ),
        sa.CheckConstraint(
            "interest IS NULL OR interest BETWEEN 1 AND 3", name="interest_in_range"
        ),
        sa.Index(
            "uq_ratings_current",
            "assessment_id",
            "competency_id",
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        ),
    )

    @property
    def is_not_assessed(self) -> bool:
        return self.level is None


class Evidence(Base):
    """Evidence behind an answer: typed, and given as text, a link and/or an uploaded file.

    It belongs to the assessment and competency rather than to one rating row, so it survives
    a changed level. Removing it in a draft sets ``removed_at``; the row and file are kept.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    url: Mapped[str | None] = mapped_column(sa.String(500))
    # Uploaded file: stored under a random name outside static/; the original name is only
    # used (sanitised) as the download name, the content type comes from the file's bytes.
    file_stored_name: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    file_original_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_size_bytes: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    assessment: Mapped[Assessment] = relationship(back_populates="evidence")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        sa.CheckConstraint(_in_clause("kind", EvidenceKind), name="kind_is_known"),
        sa.CheckConstraint(
            "text != '' OR url IS NOT NULL OR file_stored_name IS NOT NULL", name="has_content"
        ),
    )

    @property
    def kind_enum(self) -> EvidenceKind:
        return EvidenceKind(self.kind)

    @property
    def has_file(self) -> bool:
        return self.file_stored_name is not None
