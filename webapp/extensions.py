"""Flask extensions, created unbound and attached to the app in create_app."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf import CSRFProtect

from core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
bootstrap = Bootstrap5()
talisman = Talisman()
# Per-address request limits; storage from RATELIMIT_STORAGE_URI (Redis for several machines).
# Per-account lockout lives in the database (core.login_throttle) so it holds across workers.
limiter = Limiter(key_func=get_remote_address)
F = TypeVar("F", bound=Callable[..., Any])
_RATE_LIMITED = "proficio_rate_limited"


def rate_limited(limit: str, **options: Any) -> Callable[[F], F]:
    """``limiter.limit(limit, **options)`` for a view, the one way Proficio limits a view.
    The views it marks are the only ones the limiter looks at: Proficio sets no default or
    application-wide limits, so for any other view the check the limiter runs before every
    request finds nothing to count, at about 3 % of a page's time."""

    def decorator(view: F) -> F:
        limited = limiter.limit(limit, **options)(view)
        setattr(limited, _RATE_LIMITED, True)
        return limited

    return decorator


@limiter.request_filter
def _view_has_no_limit() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, _RATE_LIMITED, False)


CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    # Inline style attributes only (no inline script anywhere); Bootstrap's CSS uses data: images.
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
