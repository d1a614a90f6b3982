"""What the training pages, the plan editor and the export job share: the person's draft goals,
the recommender's explanations for one person, and where export ZIPs live."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import Flask

from core.users import User
from plans.models import DevelopmentPlan, PlanGoal, PlanStatus
from plans.signing import SigningConfig
from webapp.extensions import db

if TYPE_CHECKING:
    from training.ranking import RecommendationResult


def draft_goals(person: User) -> list[PlanGoal]:
    """The goals of the person's draft plan, in plan order (one query; empty without a draft)."""
    return list(
        db.session.scalars(
            sa.select(PlanGoal)
            .join(DevelopmentPlan, DevelopmentPlan.id == PlanGoal.plan_id)
            .where(
                DevelopmentPlan.person_id == person.id,
                DevelopmentPlan.status == PlanStatus.DRAFT.value,
            )
            .order_by(PlanGoal.position, PlanGoal.id)
        )
    )


def recommendations_for(
    person: User, role_code: str | None, *, k: int = 40
) -> tuple[RecommendationResult | None, dict[str, str]]:
    """The recommender's list for ``person`` against ``role_code`` and the competency names."""
    # scikit-learn and numpy load with the recommender, not with every page that imports this.
    from training.history import person_vector
    from training.ranking import recommend
    from webapp.recommending import state as recommender_state

    columns, catalogue, ranker, _ = recommender_state().ranker(db.session)
    profile, _, vector = person_vector(db.session, person, columns, role_code)
    if profile is None:
        return None, dict(columns.names)
    result = recommend(ranker, vector, catalogue, names=columns.names, k=k)
    return result, dict(columns.names)


def recommendation_reason(person: User, role_code: str | None, training_id: int) -> str:
    """The recommender's one-line reason for ``training_id``, or "" when it is not recommended."""
    result, _ = recommendations_for(person, role_code)
    if result is None:
        return ""
    item = next((i for i in result.items if i.key == training_id), None)
    return item.text if item else ""


EXPORT_ZIP_PREFIX = "development-plans-export-"


def evidence_root(app: Flask) -> Path:
    """Where evidence files are kept: EVIDENCE_DIR, else <instance folder>/evidence."""
    configured = app.config.get("EVIDENCE_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "evidence"


def export_dir(app: Flask) -> Path:
    """Where finished ZIPs are kept: PLAN_EXPORT_DIR, else <instance folder>/exports."""
    configured = app.config.get("PLAN_EXPORT_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "exports"


def plan_signing(app: Flask) -> SigningConfig:
    """With what approved plans are signed: the configured PKCS#12, else the self-signed
    identity in PLAN_SIGNING_DIR (default <instance folder>/signing)."""
    folder = app.config.get("PLAN_SIGNING_DIR")
    p12 = app.config.get("PLAN_SIGNING_P12")
    return SigningConfig(
        folder=Path(folder) if folder else Path(app.instance_path) / "signing",
        organisation=app.config.get("ORGANISATION_NAME") or "Proficio",
        pkcs12_path=Path(p12) if p12 else None,
        pkcs12_password=app.config.get("PLAN_SIGNING_P12_PASSWORD"),
    )


def zip_name(job_id: int) -> str:
    """The final file name of a job's ZIP."""
    return f"{EXPORT_ZIP_PREFIX}{job_id}.zip"
