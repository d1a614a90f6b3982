"""Typed models of a versioned competency framework and the role profiles judged against it."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from competencies.crosswalk import CrosswalkReference, crosswalk_references, ecf_equivalent
from core.db import Base, UTCDateTime, utcnow


class FrameworkStatus(enum.StrEnum):
    """A draft is edited by HR; a published version never changes; a retired one is history."""

    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class Requirement(enum.StrEnum):
    """Whether a role needs a competency in every case (must) or would like it (can)."""

    MUST = "must"
    CAN = "can"


PMI_LABELS = {
    "ways_of_working": "Ways of Working",
    "power_skills": "Power Skills",
    "business_acumen": "Business Acumen",
}


class PmiSide(enum.StrEnum):
    """The side of PMI's Talent Triangle a competency belongs to."""

    WAYS_OF_WORKING = "ways_of_working"
    POWER_SKILLS = "power_skills"
    BUSINESS_ACUMEN = "business_acumen"

    @property
    def label(self) -> str:
        """The side as PMI writes it: Ways of Working, Power Skills, Business Acumen."""
        return PMI_LABELS[self.value]


class SfiaKind(enum.StrEnum):
    """SFIA describes professional skills and, apart from them, generic attributes."""

    SKILL = "skill"
    ATTRIBUTE = "attribute"


class EscoChoice(enum.StrEnum):
    """What HR decided for one ESCO skill: map it, add it as a competency, or leave it out."""

    MAP = "map"
    ADD = "add"
    SKIP = "skip"


def _uuid() -> str:
    return str(uuid.uuid4())


class Framework(Base):
    """One version of a competency framework. ``uuid`` is shared by all versions of a lineage."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(sa.String(36), default=_uuid, index=True)
    version: Mapped[int] = mapped_column(default=1)
    version_label: Mapped[str] = mapped_column(sa.String(40))
    # A short identifier other systems use for the framework (Moodle's "ID number").
    code: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.Text, default="")
    scale_name: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20), default=FrameworkStatus.DRAFT.value)
    # What changed in this version, written by HR while editing and shown after publishing.
    change_note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("frameworks.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Optimistic locking for the framework's own fields and its scale (see drafts.py).
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    scale_levels: Mapped[list[ScaleLevel]] = relationship(
        back_populates="framework", order_by="ScaleLevel.value", cascade="all, delete-orphan"
    )
    areas: Mapped[list[Area]] = relationship(
        back_populates="framework", order_by="Area.position", cascade="all, delete-orphan"
    )
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="framework", order_by="Competency.position", cascade="all, delete-orphan"
    )
    role_profiles: Mapped[list[RoleProfile]] = relationship(
        back_populates="framework", order_by="RoleProfile.position", cascade="all, delete-orphan"
    )
    relations: Mapped[list[CompetencyRelation]] = relationship(
        back_populates="framework", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("uuid", "version", name="uq_frameworks_uuid_version"),
        sa.CheckConstraint("status IN ('draft', 'published', 'retired')", name="status_is_known"),
    )

    @property
    def is_published(self) -> bool:
        return self.status == FrameworkStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        return self.status == FrameworkStatus.DRAFT

    @property
    def level_values(self) -> list[int]:
        return [level.value for level in self.scale_levels]

    def __repr__(self) -> str:
        return f"<Framework {self.name} v{self.version} {self.status}>"


class ScaleLevel(Base):
    """One level of a framework's ordered proficiency scale (0 = not yet demonstrated)."""

    __tablename__ = "scale_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id", ondelete="CASCADE"))
    value: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Moodle's scale configuration: the level given by default, and levels that count as
    # proficient. Kept so that a framework moves between Moodle and Proficio unchanged.
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    is_proficient: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    framework: Mapped[Framework] = relationship(back_populates="scale_levels")

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "value", name="uq_scale_levels_framework_value"),
    )


class Area(Base):
    """A group of related competencies, e.g. Leadership and people."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(sa.String(36), default=_uuid)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    framework: Mapped[Framework] = relationship(back_populates="areas")
    competencies: Mapped[list[Competency]] = relationship(
        back_populates="area", order_by="Competency.position"
    )

    __table_args__ = (sa.UniqueConstraint("framework_id", "code", name="uq_areas_framework_code"),)


class Competency(Base):
    """A competency with its crosswalk codes; ``uuid`` stays the same across versions."""

    __tablename__ = "competencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id", ondelete="CASCADE"))
    # Imported frameworks (Moodle, CASE) nest deeper than area › competency; a sub-competency
    # names its parent competency in the same area.
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("competencies.id", ondelete="CASCADE"), index=True
    )
    uuid: Mapped[str] = mapped_column(sa.String(36), default=_uuid)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    category: Mapped[str] = mapped_column(sa.String(40), default="")
    pmi_side: Mapped[str | None] = mapped_column(sa.String(30))
    ecf_code: Mapped[str | None] = mapped_column(sa.String(20))
    sfia_code: Mapped[str | None] = mapped_column(sa.String(20))
    icb4_element: Mapped[str | None] = mapped_column(sa.String(120))
    esco_uri: Mapped[str | None] = mapped_column(sa.String(300))
    # SFIA has professional skills (PRMG) and generic attributes (LEAD, COMM): see SfiaKind.
    sfia_kind: Mapped[str | None] = mapped_column(sa.String(20))
    # The levels at which each standard defines its competence, in that standard's own
    # levels: {"ecf_code": [4, 5], "sfia_code": [3, 7]}. Outside them there is no equivalent.
    crosswalk_levels: Mapped[dict[str, list[int]] | None] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")

    framework: Mapped[Framework] = relationship(back_populates="competencies")
    area: Mapped[Area] = relationship(back_populates="competencies")
    parent: Mapped[Competency | None] = relationship(remote_side="Competency.id")
    level_descriptors: Mapped[list[LevelDescriptor]] = relationship(
        back_populates="competency", order_by="LevelDescriptor.level", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "code", name="uq_competencies_framework_code"),
    )

    @property
    def crosswalk(self) -> dict[str, Any]:
        """The crosswalk references that are set, keyed by standard."""
        pairs = {
            "e-CF": self.ecf_code,
            "SFIA": self.sfia_code,
            "IPMA ICB4": self.icb4_element,
            "ESCO": self.esco_uri,
        }
        return {standard: code for standard, code in pairs.items() if code}

    @property
    def crosswalk_references(self) -> list[CrosswalkReference]:
        """The references with their standard's version, SFIA kind and level range."""
        values = {
            "ecf_code": self.ecf_code,
            "sfia_code": self.sfia_code,
            "icb4_element": self.icb4_element,
            "esco_uri": self.esco_uri,
        }
        return crosswalk_references(values, self.sfia_kind, self.crosswalk_levels)

    def ecf_equivalent(self, level: int) -> str:
        """The e-CF reference at one level of the scale, or that there is none there."""
        return ecf_equivalent(self.ecf_code, self.crosswalk_levels, level)

    def __repr__(self) -> str:
        return f"<Competency {self.code} {self.name}>"


class LevelDescriptor(Base):
    """The behaviour a person shows at one level of one competency: the rubric's cell."""

    __tablename__ = "level_descriptors"

    id: Mapped[int] = mapped_column(primary_key=True)
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"))
    level: Mapped[int]
    description: Mapped[str] = mapped_column(sa.Text)

    competency: Mapped[Competency] = relationship(back_populates="level_descriptors")

    __table_args__ = (
        sa.UniqueConstraint("competency_id", "level", name="uq_level_descriptors_competency_level"),
    )


class RoleProfile(Base):
    """A target role: for each required competency, must or can and a target level."""

    __tablename__ = "role_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id", ondelete="CASCADE"))
    uuid: Mapped[str] = mapped_column(sa.String(36), default=_uuid)
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    qualifications: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    is_retired: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    lock_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # A profile made from an ESCO occupation names it, its ISCO-08 group and the ESCO version.
    esco_uri: Mapped[str | None] = mapped_column(sa.String(300))
    isco_group: Mapped[str | None] = mapped_column(sa.String(20))
    esco_version: Mapped[str | None] = mapped_column(sa.String(40))

    framework: Mapped[Framework] = relationship(back_populates="role_profiles")
    requirements: Mapped[list[RoleRequirement]] = relationship(
        back_populates="role_profile", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("framework_id", "code", name="uq_role_profiles_framework_code"),
    )

    def __repr__(self) -> str:
        return f"<RoleProfile {self.code} {self.name}>"


class RoleRequirement(Base):
    """A role's requirement for one competency. A missing row means "not required"."""

    __tablename__ = "role_requirements"

    id: Mapped[int] = mapped_column(primary_key=True)
    role_profile_id: Mapped[int] = mapped_column(
        sa.ForeignKey("role_profiles.id", ondelete="CASCADE")
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"))
    requirement: Mapped[str] = mapped_column(sa.String(10))
    # None means "no particular level", which is not the same as level 0.
    target_level: Mapped[int | None]

    role_profile: Mapped[RoleProfile] = relationship(back_populates="requirements")
    competency: Mapped[Competency] = relationship()

    __table_args__ = (
        sa.UniqueConstraint(
            "role_profile_id", "competency_id", name="uq_role_requirements_profile_competency"
        ),
        sa.CheckConstraint("requirement IN ('must', 'can')", name="requirement_is_known"),
    )


class CompetencyRelation(Base):
    """Two competencies of one version that relate to each other (Moodle's cross-references).

    The relation has no direction; services store each pair once.
    """

    __tablename__ = "competency_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(
        sa.ForeignKey("frameworks.id", ondelete="CASCADE"), index=True
    )
    competency_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"))
    related_id: Mapped[int] = mapped_column(sa.ForeignKey("competencies.id", ondelete="CASCADE"))

    framework: Mapped[Framework] = relationship(back_populates="relations")
    competency: Mapped[Competency] = relationship(foreign_keys=[competency_id])
    related: Mapped[Competency] = relationship(foreign_keys=[related_id])

    __table_args__ = (
        sa.UniqueConstraint(
            "competency_id", "related_id", name="uq_competency_relations_competency_related"
        ),
        sa.CheckConstraint("competency_id <> related_id", name="not_related_to_itself"),
    )


class EscoSkillMapping(Base):
    """HR's standing decision for one ESCO skill within one framework lineage.

    ``competency_uuid`` names the competency across versions, so the mapping survives
    publishing; it is empty when HR chose to leave the skill out.
    """

    __tablename__ = "esco_skill_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_uuid: Mapped[str] = mapped_column(sa.String(36), index=True)
    skill_uri: Mapped[str] = mapped_column(sa.String(300))
    skill_label: Mapped[str] = mapped_column(sa.String(300), default="")
    skill_type: Mapped[str] = mapped_column(sa.String(30), default="")
    choice: Mapped[str] = mapped_column(sa.String(10))
    competency_uuid: Mapped[str | None] = mapped_column(sa.String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)

    __table_args__ = (
        sa.UniqueConstraint(
            "framework_uuid", "skill_uri", name="uq_esco_skill_mappings_framework_skill"
        ),
        sa.CheckConstraint("choice IN ('map', 'add', 'skip')", name="choice_is_known"),
    )


class EscoImport(Base):
    """One import of an ESCO occupation: what ESCO said, kept to show the next import's diff."""

    __tablename__ = "esco_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_uuid: Mapped[str] = mapped_column(sa.String(36), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("frameworks.id", ondelete="SET NULL"), index=True
    )
    occupation_uri: Mapped[str] = mapped_column(sa.String(300))
    occupation_label: Mapped[str] = mapped_column(sa.String(300))
    isco_group: Mapped[str] = mapped_column(sa.String(20), default="")
    esco_version: Mapped[str] = mapped_column(sa.String(40))
    is_version_guessed: Mapped[bool] = mapped_column(default=False)
    role_code: Mapped[str] = mapped_column(sa.String(40), default="")
    # The role profile HR already kept for the occupation, found by ESCO's labels at import.
    compared_role_code: Mapped[str | None] = mapped_column(sa.String(40))
    # [{"uri", "label", "relation": "essential"|"optional", "skill_type"}], in file order.
    relations: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
