"""Login plumbing: loading users from the session and checking roles on every view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort
from flask_login import LoginManager, current_user, login_required

from core.users import Role, User
from webapp.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, token = session_id.partition(":")
        if not user_id.isdecimal() or not token:
            return None
        user = db.session.get(User, int(user_id))
        # A rotated token (password or role change, forced logout) ends this session.
        if user is None or not user.is_active or user.session_token != token:
            return None
        return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to signed-in users holding one of ``roles`` (403 for others)."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(str(r) for r in roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def any_signed_in(view: F) -> F:
    """Allow the view to every signed-in user, whatever the role."""
    wrapped = login_required(view)
    wrapped.allowed_roles = frozenset(str(r) for r in Role)  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]
