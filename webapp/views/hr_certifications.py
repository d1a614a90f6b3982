"""HR's list of certifications that expire within 90 days or have expired."""

from __future__ import annotations

from flask import Blueprint, render_template

from assessments.credentials import EXPIRED_LOOKBACK_DAYS, EXPIRY_HORIZON_DAYS, certifications_due
from core.db import utcnow
from core.users import Role
from webapp.auth import roles_required
from webapp.extensions import db

bp = Blueprint("hr_certifications", __name__, url_prefix="/hr/certifications")


@bp.route("/")
@roles_required(Role.HR)
def index():
    today = utcnow().date()
    due = certifications_due(db.session, today)
    return render_template(
        "hr_certifications/index.html",
        expiring=[c for c in due if not c.is_expired],
        expired=[c for c in due if c.is_expired],
        horizon=EXPIRY_HORIZON_DAYS,
        lookback=EXPIRED_LOOKBACK_DAYS,
    )
