"""Development plans, their goals and linked trainings, and bulk PDF export jobs.

A person's plan lives as a chain of versions: each version is a ``DevelopmentPlan`` row with
a ``version_number`` and a link to the version it revised. A draft is edited; once proposed it
waits for HR; an approved version never changes again — a change is a new draft version, and
approving that one archives the version it replaces. Every version is kept.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies.models import RoleProfile
from core.db import Base, UTCDateTime, utcnow
from core.users import User
from training.models import CURRENCIES, Enrollment, Training


def _in(values: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class PlanStatus(enum.StrEnum):
    """Where a plan version is in its life."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return self.value.capitalize()


OPEN_STATUSES = (PlanStatus.DRAFT.value, PlanStatus.PROPOSED.value)


class GoalStatus(enum.StrEnum):
    """How far a goal has come (updated when a plan is revised)."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class GoalPriority(enum.IntEnum):
    """How urgent a goal is; must-gaps start as high."""

    HIGH = 1
    MEDIUM = 2
    LOW = 3

    @property
    def label(self) -> str:
        return self.name.capitalize()


class DevelopmentPlan(Base):
    """One version of a person's development plan."""

    __tablename__ = "development_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    version_number: Mapped[int] = mapped_column(default=1)
    previous_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("development_plans.id", ondelete="SET NULL")
    )
    # The role profile row of the framework version the plan was made against: a snapshot.
    role_profile_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profiles.id"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    budget_limit: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=PlanStatus.DRAFT.value)
    over_budget_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # HR's comment when it last sent the plan back; shown in the editor until the next proposal.
    return_comment: Mapped[str] = mapped_column(sa.Text, default="")
    approval_note: Mapped[str] = mapped_column(sa.Text, default="")
    archive_note: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    returned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Plans made by `seed --demo` are generated and say so wherever they show.
    is_demo: Mapped[bool] = mapped_column(default=False)
    lock_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[person_id])
    role_profile: Mapped[RoleProfile] = relationship()
    previous_version: Mapped[DevelopmentPlan | None] = relationship(
        remote_side="DevelopmentPlan.id"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    archived_by: Mapped[User | None] = relationship(foreign_keys=[archived_by_id])
    goals: Mapped[list[PlanGoal]] = relationship(
        back_populates="plan",
        cascade="all, delete-orphan",
        order_by="(PlanGoal.position, PlanGoal.id)",
    )

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        sa.UniqueConstraint("person_id", "version_number", name="uq_development_plans_version"),
        # One version in the works (draft or proposed) and one in force per person, enforced
        # by the database too: a double click cannot make two drafts.
        sa.Index(
            "uq_development_plans_open",
            "person_id",
            unique=True,
            sqlite_where=sa.text(f"status IN ({_in(OPEN_STATUSES)})"),
            postgresql_where=sa.text(f"status IN ({_in(OPEN_STATUSES)})"),
        ),
        sa.Index(
            "uq_development_plans_approved",
            "person_id",
            unique=True,
            sqlite_where=sa.text("status = 'approved'"),
            postgresql_where=sa.text("status = 'approved'"),
        ),
        sa.Index("ix_development_plans_status", "status"),
        sa.CheckConstraint(
            f"status IN ({_in([s.value for s in PlanStatus])})", name="status_is_known"
        ),
        sa.CheckConstraint(f"currency IN ({_in(CURRENCIES)})", name="currency_is_known"),
        sa.CheckConstraint("budget_limit >= 0", name="budget_not_negative"),
        sa.CheckConstraint("period_start <= period_end", name="period_in_order"),
        sa.CheckConstraint("version_number >= 1", name="version_positive"),
    )

    @property
    def status_enum(self) -> PlanStatus:
        return PlanStatus(self.status)

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def label(self) -> str:
        return f"Version {self.version_number}"

    def __repr__(self) -> str:
        return f"<DevelopmentPlan {self.id} person={self.person_id} v{self.version_number}>"


class PlanGoal(Base):
    """One goal: a competency to raise from one level to another by a date, and how."""

    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("development_plans.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    # The uuid is shared by every framework version; code and name are kept as they were when
    # the goal was set, so an approved plan reads the same after the framework moves on.
    competency_uuid: Mapped[str] = mapped_column(sa.String(36))
    competency_code: Mapped[str] = mapped_column(sa.String(40))
    competency_name: Mapped[str] = mapped_column(sa.String(200))
    requirement: Mapped[str | None] = mapped_column(sa.String(10))
    from_level: Mapped[int]
    to_level: Mapped[int]
    priority: Mapped[int] = mapped_column(default=GoalPriority.MEDIUM.value)
    due_on: Mapped[date] = mapped_column(sa.Date)
    actions: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(20), default=GoalStatus.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    plan: Mapped[DevelopmentPlan] = relationship(back_populates="goals")
    trainings: Mapped[list[PlanGoalTraining]] = relationship(
        back_populates="goal",
        cascade="all, delete-orphan",
        order_by="PlanGoalTraining.id",
    )

    __table_args__ = (
        sa.UniqueConstraint("plan_id", "competency_uuid", name="uq_plan_goals_competency"),
        sa.CheckConstraint(
            "from_level >= 0 AND to_level > from_level AND to_level <= 10", name="levels_rise"
        ),
        sa.CheckConstraint("priority >= 1 AND priority <= 3", name="priority_range"),
        sa.CheckConstraint(
            f"status IN ({_in([s.value for s in GoalStatus])})", name="status_is_known"
        ),
        sa.CheckConstraint(
            "requirement IS NULL OR requirement IN ('must', 'can')", name="requirement_is_known"
        ),
    )

    @property
    def priority_enum(self) -> GoalPriority:
        return GoalPriority(self.priority)

    @property
    def status_enum(self) -> GoalStatus:
        return GoalStatus(self.status)


class PlanGoalTraining(Base):
    """A training linked to a goal through the person's enrollment.

    Title, hours and cost are copied when linked, so an approved plan keeps the figures it was
    approved with even when the catalogue changes later.
    """

    __tablename__ = "plan_goal_trainings"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plan_goals.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    training_id: Mapped[int] = mapped_column(sa.ForeignKey("trainings.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(120))
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(6, 1))
    cost: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    source: Mapped[str] = mapped_column(sa.String(20), default="catalogue")
    # The recommender's reason when the training came from the recommendations.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goal: Mapped[PlanGoal] = relationship(back_populates="trainings")
    enrollment: Mapped[Enrollment] = relationship()
    training: Mapped[Training] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("goal_id", "training_id", name="uq_plan_goal_trainings_training"),
        sa.CheckConstraint(
            "source IN ('recommendation', 'catalogue', 'enrollment')", name="source_is_known"
        ),
    )


class JobStatus(enum.StrEnum):
    """Where a bulk export job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ExportJob(Base):
    """A bulk PDF export HR started: which plans, how far it got, and the ZIP it made."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # A fresh key per export form: the same form sent twice (a double click) is one job.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64))
    # Hash of the sorted plan ids: a second identical job while one is pending is refused.
    selection_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    selection: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default=JobStatus.QUEUED.value)
    progress: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    result_name: Mapped[str | None] = mapped_column(sa.String(200))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "created_by_id", "idempotency_key", name="uq_export_jobs_idempotency_key"
        ),
        sa.CheckConstraint(
            f"status IN ({_in([s.value for s in JobStatus])})", name="status_is_known"
        ),
        sa.Index("ix_export_jobs_created_at", "created_at"),
    )

    @property
    def plan_ids(self) -> list[int]:
        return [int(i) for i in self.selection.get("plan_ids", [])]
