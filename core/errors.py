"""Domain errors. The web layer maps them to HTTP answers; the CLI to messages."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for errors a user can understand and act on."""

    status_code = 400

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


class NotFoundError(DomainError):
    """The object does not exist, or the actor may not know that it does."""

    status_code = 404


class PermissionDeniedError(DomainError):
    """The actor is known but may not do this."""

    status_code = 403


class ValidationError(DomainError):
    """Input is well-formed but breaks a business rule."""

    status_code = 422


class ConflictError(DomainError):
    """The object changed since the actor loaded it (optimistic locking) or the state forbids it."""

    status_code = 409
