"""The role-profile editor: what each role needs, created, copied and retired inside a draft.

For every competency a role says must, can or nothing (no row), and optionally a target level
on the version's scale. A blank target means "no particular level" and is never stored as 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from competencies.drafts import check_lock, require_draft
from competencies.editing import CODE_PATTERN
from competencies.models import Competency, Framework, Requirement, RoleProfile, RoleRequirement
from competencies.spec import MAX_CODE, MAX_NAME
from competencies.text import normalise_text
from core.audit import record_event
from core.errors import NotFoundError, ValidationError
from core.users import User

MAX_QUALIFICATIONS = 30
MAX_QUALIFICATION = 200


@dataclass(frozen=True)
class RequirementChoice:
    """One row of the editor: ``requirement`` None means not required; ``target`` None is blank."""

    requirement: str | None
    target: int | None


def get_profile(session: Session, framework: Framework, profile_id: int) -> RoleProfile:
    """The role profile ``profile_id`` of this version (requirements loaded), or NotFoundError."""
    profile = session.scalar(
        sa.select(RoleProfile)
        .where(RoleProfile.id == profile_id)
        .options(selectinload(RoleProfile.requirements))
    )
    if profile is None or profile.framework_id != framework.id:
        raise NotFoundError("This role profile does not exist in this version.")
    return profile


def _row(req: RoleRequirement | None) -> dict[str, Any] | None:
    if req is None:
        return None
    return {"requirement": req.requirement, "target": req.target_level}


def set_requirements(
    session: Session,
    profile: RoleProfile,
    actor: User | None,
    choices: dict[int, RequirementChoice],
    expected_lock: int | None = None,
) -> RoleProfile:
    """Set must / can / not required and the target for the competencies in ``choices``."""
    framework = profile.framework
    require_draft(framework)
    check_lock(profile.lock_version, expected_lock, f"role profile {profile.name}")
    competencies = {
        c.id: c
        for c in session.scalars(
            sa.select(Competency).where(Competency.framework_id == framework.id)
        )
    }
    levels = {level.value for level in framework.scale_levels}
    allowed = {r.value for r in Requirement}
    problems = []
    for competency_id, choice in choices.items():
        competency = competencies.get(competency_id)
        if competency is None:
            problems.append(f"Competency #{competency_id} is not part of this version.")
            continue
        if choice.requirement is not None and choice.requirement not in allowed:
            problems.append(f"{competency.code}: choose must, can or not required.")
        if choice.target is not None and choice.target not in levels:
            problems.append(
                f"{competency.code}: target {choice.target} is not on the scale "
                f"({min(levels)}–{max(levels)})."
            )
        if choice.requirement is None and choice.target is not None:
            problems.append(
                f"{competency.code}: a target needs a requirement — choose must or can, "
                "or leave the target blank."
            )
    if problems:
        raise ValidationError("The role profile could not be saved.", problems=problems)
    existing = {r.competency_id: r for r in profile.requirements}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for competency_id, choice in choices.items():
        code = competencies[competency_id].code
        current = existing.get(competency_id)
        old = _row(current)
        if choice.requirement is None:
            if current is not None:
                profile.requirements.remove(current)
            new = None
        elif current is None:
            profile.requirements.append(
                RoleRequirement(
                    competency_id=competency_id,
                    requirement=choice.requirement,
                    target_level=choice.target,
                )
            )
            new = {"requirement": choice.requirement, "target": choice.target}
        else:
            current.requirement = choice.requirement
            current.target_level = choice.target
            new = _row(current)
        if old != new:
            before[code], after[code] = old, new
    profile.lock_version += 1
    session.flush()
    if after:
        record_event(
            session,
            actor=actor,
            action="role_profile.requirements.update",
            entity=profile,
            before=before,
            after=after,
        )
    return profile


def _profile_problems(
    session: Session,
    framework: Framework,
    code: str,
    name: str,
    qualifications: list[str],
    profile_id: int | None,
) -> list[str]:
    problems = []
    if not code:
        problems.append("Enter a code for the role profile.")
    elif len(code) > MAX_CODE or not CODE_PATTERN.match(code):
        problems.append(
            f"The role profile code may use up to {MAX_CODE} letters, digits, '.', '-' and '_'."
        )
    if not name:
        problems.append("Enter a name for the role profile.")
    elif len(name) > MAX_NAME:
        problems.append(f"Keep the name under {MAX_NAME} characters.")
    if len(qualifications) > MAX_QUALIFICATIONS:
        problems.append(f"List at most {MAX_QUALIFICATIONS} qualifications.")
    if any(len(q) > MAX_QUALIFICATION for q in qualifications):
        problems.append(f"Keep each qualification under {MAX_QUALIFICATION} characters.")
    clash = session.scalar(
        sa.select(RoleProfile.id).where(
            RoleProfile.framework_id == framework.id,
            RoleProfile.code == code,
            RoleProfile.id != (profile_id or -1),
        )
    )
    if clash is not None:
        problems.append(f"Another role profile already has the code {code}.")
    return problems


def _clean_qualifications(qualifications: list[str]) -> list[str]:
    cleaned = [normalise_text(q) for q in qualifications]
    return list(dict.fromkeys(q for q in cleaned if q))


def update_profile_details(
    session: Session,
    profile: RoleProfile,
    actor: User | None,
    *,
    code: str,
    name: str,
    description: str = "",
    qualifications: list[str] | None = None,
    expected_lock: int | None = None,
) -> RoleProfile:
    """Change a role profile's code, name, description and expected qualifications."""
    framework = profile.framework
    require_draft(framework)
    check_lock(profile.lock_version, expected_lock, f"role profile {profile.name}")
    values: dict[str, Any] = {
        "code": code.strip(),
        "name": normalise_text(name),
        "description": normalise_text(description),
        "qualifications": _clean_qualifications(qualifications or []),
    }
    problems = _profile_problems(
        session, framework, values["code"], values["name"], values["qualifications"], profile.id
    )
    if len(values["description"]) > 4000:
        problems.append("Keep the description under 4000 characters.")
    if problems:
        raise ValidationError("The role profile could not be saved.", problems=problems)
    before = {k: getattr(profile, k) for k in values}
    changed = [k for k in values if before[k] != values[k]]
    for key in changed:
        setattr(profile, key, values[key])
    profile.lock_version += 1
    session.flush()
    if changed:
        record_event(
            session,
            actor=actor,
            action="role_profile.update",
            entity=profile,
            before={k: before[k] for k in changed},
            after={k: values[k] for k in changed},
        )
    return profile


def create_profile(
    session: Session,
    draft: Framework,
    actor: User | None,
    *,
    code: str,
    name: str,
    description: str = "",
    qualifications: list[str] | None = None,
) -> RoleProfile:
    """Add an empty role profile (nothing required yet) to a draft."""
    require_draft(draft)
    code, name = code.strip(), normalise_text(name)
    qualifications = _clean_qualifications(qualifications or [])
    problems = _profile_problems(session, draft, code, name, qualifications, None)
    if problems:
        raise ValidationError("The role profile could not be created.", problems=problems)
    position = max((p.position for p in draft.role_profiles), default=-1) + 1
    profile = RoleProfile(
        framework=draft,
        uuid=str(uuid.uuid4()),
        code=code,
        name=name,
        description=normalise_text(description),
        qualifications=qualifications,
        position=position,
    )
    session.add(profile)
    session.flush()
    record_event(
        session,
        actor=actor,
        action="role_profile.create",
        entity=profile,
        after={"framework_id": draft.id, "code": code, "name": name},
    )
    return profile


def copy_profile(
    session: Session, profile: RoleProfile, actor: User | None, *, code: str, name: str
) -> RoleProfile:
    """A new role profile in the same draft with the same requirements and targets."""
    framework = profile.framework
    require_draft(framework)
    copy = create_profile(
        session,
        framework,
        actor,
        code=code,
        name=name,
        description=profile.description,
        qualifications=list(profile.qualifications or []),
    )
    copy.requirements = [
        RoleRequirement(
            competency_id=r.competency_id, requirement=r.requirement, target_level=r.target_level
        )
        for r in profile.requirements
    ]
    session.flush()
    record_event(
        session,
        actor=actor,
        action="role_profile.copy",
        entity=copy,
        before={"copied_from": profile.code},
        after={"code": copy.code, "requirements": len(copy.requirements)},
    )
    return copy


def set_profile_retired(
    session: Session, profile: RoleProfile, actor: User | None, retired: bool
) -> RoleProfile:
    """Retire a role profile (people no longer aim for it) or bring it back."""
    require_draft(profile.framework)
    if profile.is_retired == retired:
        state = "retired" if retired else "in use"
        raise ValidationError(f"{profile.name} is already {state}.")
    profile.is_retired = retired
    profile.lock_version += 1
    session.flush()
    record_event(
        session,
        actor=actor,
        action="role_profile.retire" if retired else "role_profile.reinstate",
        entity=profile,
        before={"is_retired": not retired},
        after={"is_retired": retired},
    )
    return profile
