"""seglab's exception hierarchy: one family, so the CLI and the HTTP API can map each kind once.

``NotFoundError`` → 404, ``ConflictError`` → 409, ``InvalidInputError`` → 400/422, ``TooLargeError`` → 413,
``UnavailableError`` → 503, ``UnauthenticatedError`` → 401, ``ForbiddenError`` → 403, ``QuotaExceededError`` → 429
(a subclass may name its own ``status``, as workflow errors do); anything else is a bug (500). The HTTP API and the
CLI's ``--json`` answer failures in one shape, :func:`error_body`.
"""

from __future__ import annotations

from typing import Any


class SeglabError(Exception):
    """Base of every error seglab raises on purpose. ``details`` is JSON-serialisable context."""

    code = "error"
    exit_code = 1
    """The CLI's exit status when a command fails with it."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFoundError(SeglabError):
    code = "not_found"


class ConflictError(SeglabError):
    """The request is valid but collides with the current state (stale revision, duplicate name)."""

    code = "conflict"


class UnauthenticatedError(SeglabError):
    """The caller is not signed in, or their credentials (password, session, API key) are wrong or revoked."""

    code = "unauthenticated"


class ForbiddenError(SeglabError):
    """The caller is known but their role does not allow this."""

    code = "forbidden"


class InvalidInputError(SeglabError):
    """The request or the data it names is malformed."""

    code = "invalid_input"


class TooLargeError(InvalidInputError):
    """The input is well-formed but bigger than this installation accepts (an image's pixel count, say)."""

    code = "too_large"


class MissingRequirementError(InvalidInputError):
    """This installation lacks what the request needs (an optional package, a GPU); the message names it. The CLI
    exits with status 2, as for a usage error: the command cannot work here as asked."""

    code = "missing_requirement"
    exit_code = 2


class QuotaExceededError(SeglabError):
    """The caller has used up a per-user allowance (jobs waiting or running); the message names the setting."""

    code = "quota_exceeded"


class UnavailableError(SeglabError):
    """Something needed is not ready yet (a model still loading); the same request may succeed later."""

    code = "unavailable"


_HTTP_STATUS: tuple[tuple[type[SeglabError], int], ...] = (
    (UnauthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (TooLargeError, 413),
    (QuotaExceededError, 429),
    (InvalidInputError, 400),
    (UnavailableError, 503),
)


def http_status(error: SeglabError) -> int:
    """The HTTP status for one of seglab's errors: its class's own ``status`` if it names one (workflow errors
    answer as Roboflow's server does), else by kind (400 for any other)."""
    own = getattr(error, "status", None)
    if isinstance(own, int):
        return own
    return next((code for kind, code in _HTTP_STATUS if isinstance(error, kind)), 400)


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"error": {"code", "message", "details"}, "message"}``: every failure, from the API and from ``--json``.
    The top-level ``message`` repeats ``error.message``: it is where Roboflow's client looks."""
    return {"error": {"code": code, "message": message, "details": details or {}}, "message": message}
