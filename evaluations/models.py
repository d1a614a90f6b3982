"""Typed models of project-based evaluations: a real or case project, its owner, co-evaluators
and candidates. The evaluators' judgements are ``Assessment`` rows of kind ``project`` that
point at the project (see ``assessments.models``).
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies.models import RoleProfile
from core.db import Base, UTCDateTime, utcnow
from core.users import NAME_MAX_LENGTH, User

if TYPE_CHECKING:
    from assessments.models import Assessment


class ProjectKind(enum.StrEnum):
    """Whether candidates worked on a real project or on a prepared case."""

    REAL = "real"
    CASE = "case"

    @property
    def label(self) -> str:
        return {"real": "Real project", "case": "Case study"}[self.value]


class ProjectRole(enum.StrEnum):
    """A person's relationship to one evaluation project."""

    OWNER = "owner"
    CO_EVALUATOR = "co_evaluator"
    CANDIDATE = "candidate"

    @property
    def label(self) -> str:
        return {"owner": "Owner", "co_evaluator": "Co-evaluator", "candidate": "Candidate"}[
            self.value
        ]


# Roles stored on member rows; the owner is the project's ``owner_id`` instead.
MEMBER_ROLES = (ProjectRole.CO_EVALUATOR, ProjectRole.CANDIDATE)


class MembershipStatus(enum.StrEnum):
    """A candidate's answer to the owner's request to join the project.

    Only an accepted membership counts: until then evaluators see the name the owner typed
    and "invited", nothing else. Co-evaluators are members from the start.
    """

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return {"invited": "Invited", "accepted": "Accepted", "declined": "Declined"}[self.value]


class EvaluationProject(Base):
    """A project (real or case) on which hiring managers judge candidates against a role.

    ``version`` guards edits of the project's own fields (optimistic locking). Projects are
    archived, never deleted, so that submitted judgements keep their context.
    """

    __tablename__ = "evaluation_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[str] = mapped_column(sa.String(10), default=ProjectKind.CASE.value)
    # Money in hundredths of the currency unit: exact, and the same on SQLite and PostgreSQL.
    budget_cents: Mapped[int | None] = mapped_column(sa.BigInteger)
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    start_on: Mapped[date] = mapped_column(sa.Date)
    deadline_on: Mapped[date] = mapped_column(sa.Date)
    technologies: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    role_profile_id: Mapped[int] = mapped_column(sa.ForeignKey("role_profiles.id"))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    is_results_released: Mapped[bool] = mapped_column(default=False)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    role_profile: Mapped[RoleProfile] = relationship()
    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project", order_by="ProjectMember.id", cascade="all, delete-orphan"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        back_populates="evaluation_project", order_by="Assessment.id"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint("kind IN ('real', 'case')", name="kind_is_known"),
        sa.CheckConstraint("deadline_on >= start_on", name="deadline_not_before_start"),
        sa.CheckConstraint("budget_cents IS NULL OR budget_cents >= 0", name="budget_not_negative"),
        sa.CheckConstraint(
            "(budget_cents IS NULL AND currency IS NULL) OR "
            "(budget_cents IS NOT NULL AND currency IS NOT NULL)",
            name="budget_has_currency",
        ),
        sa.CheckConstraint(
            "NOT is_results_released OR released_at IS NOT NULL", name="released_has_time"
        ),
    )

    @property
    def kind_enum(self) -> ProjectKind:
        return ProjectKind(self.kind)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def budget(self) -> float | None:
        return None if self.budget_cents is None else self.budget_cents / 100

    def role_of(self, user_id: int) -> ProjectRole | None:
        """The person's role in this project, or None: a candidate who has not accepted the
        request is not part of it yet (load ``members`` first)."""
        if user_id == self.owner_id:
            return ProjectRole.OWNER
        member = self.membership_of(user_id)
        if member is None or not member.is_accepted:
            return None
        return ProjectRole(member.role)

    def membership_of(self, user_id: int) -> ProjectMember | None:
        """The member row of this person, whatever its status."""
        return next((m for m in self.members if m.user_id == user_id), None)

    def is_evaluator(self, user_id: int) -> bool:
        """True for the owner and every co-evaluator."""
        return self.role_of(user_id) in (ProjectRole.OWNER, ProjectRole.CO_EVALUATOR)

    @property
    def co_evaluators(self) -> list[User]:
        return sorted(
            (m.user for m in self.members if m.role == ProjectRole.CO_EVALUATOR),
            key=lambda u: (u.name.lower(), u.id),
        )

    @property
    def evaluators(self) -> list[User]:
        """The owner first, then the co-evaluators by name."""
        return [self.owner, *self.co_evaluators]

    @property
    def candidates(self) -> list[User]:
        """The candidates who accepted, by name: the only ones rated, compared and shown."""
        return sorted(
            (m.user for m in self.members if m.role == ProjectRole.CANDIDATE and m.is_accepted),
            key=lambda u: (u.name.lower(), u.id),
        )

    @property
    def open_requests(self) -> list[ProjectMember]:
        """Candidates asked to join who have not accepted (invited or declined), by name."""
        return sorted(
            (m for m in self.members if m.role == ProjectRole.CANDIDATE and not m.is_accepted),
            key=lambda m: (m.shown_name.lower(), m.id),
        )

    def __repr__(self) -> str:
        return f"<EvaluationProject {self.id} {self.title!r}>"


class ProjectMember(Base):
    """A co-evaluator or candidate of one project (a person has one role per project)."""

    __tablename__ = "evaluation_project_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_projects.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(
        sa.String(10), default=MembershipStatus.ACCEPTED.value, server_default="accepted"
    )
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The person's choice: evaluators see their latest self-assessed levels in the comparison.
    shares_self_assessment: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The name the owner typed, shown while the request is open: showing the account's own
    # name instead would tell the owner that an account with that address exists.
    invited_name: Mapped[str | None] = mapped_column(sa.String(NAME_MAX_LENGTH))

    project: Mapped[EvaluationProject] = relationship(back_populates="members")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("project_id", "user_id", name="uq_evaluation_project_members_person"),
        sa.CheckConstraint("role IN ('co_evaluator', 'candidate')", name="role_is_known"),
        sa.CheckConstraint("status IN ('invited', 'accepted', 'declined')", name="status_is_known"),
        sa.CheckConstraint(
            "role = 'candidate' OR status = 'accepted'", name="only_candidates_are_invited"
        ),
    )

    @property
    def is_accepted(self) -> bool:
        return self.status == MembershipStatus.ACCEPTED

    @property
    def status_enum(self) -> MembershipStatus:
        return MembershipStatus(self.status)

    @property
    def shown_name(self) -> str:
        """What evaluators may call this person: the typed name until they accept."""
        if self.is_accepted or not self.invited_name:
            return self.user.name
        return self.invited_name


def is_accepted_candidate() -> sa.ColumnElement[bool]:
    """SQL for "this member row is a candidate who accepted": the only candidates rated,
    compared, released to and counted anywhere."""
    return sa.and_(
        ProjectMember.role == ProjectRole.CANDIDATE.value,
        ProjectMember.status == MembershipStatus.ACCEPTED.value,
    )
