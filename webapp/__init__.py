"""The Flask application factory: the only place where the pieces are put together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from webapp.config import build_config, check_production_safety


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure a Proficio app; ``config`` overrides defaults and environment."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(build_config(Path(app.instance_path), config))
    check_production_safety(app.config, app.debug)
    register_models()
    register_proxies(app)
    register_url_converters(app)
    register_extensions(app)
    register_commit_point(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def register_models() -> None:
    """Import every domain model so the metadata (and Alembic) sees all tables."""
    import assessments.models  # noqa: F401
    import competencies.models  # noqa: F401
    import core.audit  # noqa: F401
    import core.invitations  # noqa: F401
    import core.login_throttle  # noqa: F401
    import core.password_resets  # noqa: F401
    import core.reminders  # noqa: F401
    import core.users  # noqa: F401
    import evaluations.models  # noqa: F401
    import feedback.models  # noqa: F401
    import plans.models  # noqa: F401
    import training.models  # noqa: F401


def register_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address, scheme and host
    from their X-Forwarded headers (rate limits and sign-in lockouts key on the address)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def register_url_converters(app: Flask) -> None:
    """Ids in URLs are bounded to the databases' integer range: larger ones are simply 404."""
    from werkzeug.routing import IntegerConverter

    from webapp.ids import MAX_ID

    class BoundedIntConverter(IntegerConverter):
        def __init__(self, url_map, *args, **kwargs) -> None:
            kwargs.setdefault("max", MAX_ID)
            super().__init__(url_map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedIntConverter


def register_extensions(app: Flask) -> None:
    from webapp import auth
    from webapp.extensions import (
        CONTENT_SECURITY_POLICY,
        bootstrap,
        csrf,
        db,
        limiter,
        login_manager,
        migrate,
        talisman,
    )

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).resolve().parent.parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=False,  # TLS ends at the proxy; HSTS is still sent on HTTPS requests
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=True,
        x_content_type_options=True,
    )
    bootstrap.init_app(app)
    auth.init_login(app, login_manager)
    configure_engines(app)


def configure_engines(app: Flask) -> None:
    """Install Proficio's engine settings (SQLite pragmas) on each of the app's engines."""
    from core.engine import configure_engine
    from webapp.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)


def register_commit_point(app: Flask) -> None:
    """One place commits a request's writes, or rolls them back (webapp.transactions)."""
    from webapp import transactions

    transactions.init_app(app)


def register_blueprints(app: Flask) -> None:
    # These add their routes to another module's blueprint: importing them registers the routes.
    import webapp.views.assessment_areas  # noqa: F401
    import webapp.views.evaluation_corrections  # noqa: F401
    import webapp.views.evaluation_results  # noqa: F401
    import webapp.views.evaluation_sheets  # noqa: F401
    import webapp.views.plan_goal_trainings  # noqa: F401
    import webapp.views.plan_workflow  # noqa: F401
    import webapp.views.training_catalogue  # noqa: F401
    from webapp.views import (
        admin,
        assessments,
        auth,
        credentials,
        drafts,
        evaluations,
        feedback,
        frameworks,
        hr_certifications,
        interchange,
        invitations,
        main,
        my_evaluations,
        people,
        person_profile,
        plan_goals,
        plan_hr,
        plans,
        privacy,
        role_profiles,
        training,
        versions,
    )

    for blueprint in (
        main.bp,
        auth.bp,
        frameworks.bp,
        versions.bp,
        drafts.bp,
        role_profiles.bp,
        interchange.bp,
        assessments.bp,
        person_profile.bp,
        credentials.bp,
        training.bp,
        evaluations.bp,
        my_evaluations.bp,
        feedback.bp,
        invitations.bp,
        people.bp,
        plans.bp,
        plan_goals.bp,
        plan_hr.bp,
        hr_certifications.bp,
        privacy.bp,
        admin.bp,
    ):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    from webapp import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from webapp import cli

    cli.init_app(app)


def register_template_helpers(app: Flask) -> None:
    from webapp import fragments, navigation, recommending

    navigation.init_app(app)
    recommending.init_app(app)
    fragments.init_app(app)
