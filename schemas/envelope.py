"""The response envelope and the one error family.

Every answer of the API is ``{"status": "ok", "data": ...}`` (some actions add top-level keys
such as ``id`` or ``total``) or ``{"status": "error", "status_code": N, "message": "...",
"message_details": "..."}``. This module is the only place that spells ``status``: handlers
return bare data (or a :class:`Reply` when they need top-level keys) and raise an
:class:`ApiError` subclass; the view turns both into JSON with :func:`ok` and :func:`fail`.

Codes and messages follow the Worksection catalogue (spec §4.2); API errors answer HTTP 200.
"""

from __future__ import annotations

from typing import Any, BinaryIO, NamedTuple


class ApiError(Exception):
    """Base of every error the API reports; subclasses only change the class attributes."""

    status_code: int = 10
    message: str = "Error"
    http_status: int = 200

    def __init__(self, message: str | None = None, details: Any = None, **extra: Any) -> None:
        self.message = message or self.message
        self.details = details
        self.extra = extra
        super().__init__(self.message)


class UnknownAction(ApiError):
    status_code, message = 0, "Action is invalid"


class ActionRequired(ApiError):
    status_code, message = 1, "Action is required"


class BadHash(ApiError):
    status_code, message = 2, "Action hash is missed or invalid"


class ActionMismatch(BadHash):
    message = "The action parameter differs from the action in the path"


class PageInvalid(ApiError):
    status_code, message = 3, "Page is invalid"


class ProjectInvalid(ApiError):
    status_code, message = 4, "Project is invalid"


class TaskInvalid(ApiError):
    status_code, message = 5, "Task is invalid"


class FieldRequired(ApiError):
    status_code, message = 10, "Field is required"


class InvalidValue(ApiError):
    status_code, message = 11, "Invalid value"


class InvalidEmail(ApiError):
    status_code, message = 11, "Invalid email"


class BadRequest(ApiError):
    """The request itself cannot be read (body, encoding, size)."""

    status_code, message = 10, "Request is invalid"


class BodyTooLarge(BadRequest):
    status_code, http_status = 413, 413


class UriTooLong(BadRequest):
    status_code, http_status = 414, 414


class Unsigned(ApiError):
    status_code, message = 2, "Parameters outside the signature"


class Forbidden(ApiError):
    status_code, message = 2, "Action is not allowed for this key"


class AdminOnly(ApiError):
    status_code, message = 2, "This action needs the admin API key"


class UserOnly(ApiError):
    status_code, message = 2, "This action needs a user access token"


class TokenInvalid(ApiError):
    status_code, message = 2, "Access token is missed or invalid"


class TokenExpired(ApiError):
    status_code, message, http_status = 2, "Access token is expired", 401


class UserDisabled(ApiError):
    status_code, message = 2, "User is disabled"


class ScopeDenied(ApiError):
    status_code, message = 2, "Access token has no scope for this action"


class KeyReused(InvalidValue):
    message = "Idempotency key was already used with other parameters"


class TooManyRequests(ApiError):
    status_code, message, http_status = 429, "Too many requests", 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotReady(ApiError):
    status_code, message, http_status = 503, "Not ready", 503


class Internal(ApiError):
    status_code, message = 500, "Internal error, the request was not applied"


class Reply:
    """Handler result with top-level keys beside (or instead of) ``data``."""

    def __init__(self, data: Any = None, **top: Any) -> None:
        self.data = data
        self.top = top


class Download(NamedTuple):
    """A handler result the view sends as raw bytes instead of the JSON envelope: the file at
    ``path``, or an open ``stream`` of ``size`` bytes (an object store's body), closed once
    sent."""

    path: str | None
    name: str
    stream: BinaryIO | None = None
    size: int | None = None


def ok(result: Any = None) -> dict[str, Any]:
    """Wrap a handler's result in the success envelope."""
    body: dict[str, Any] = {"status": "ok"}
    if isinstance(result, Reply):
        if result.data is not None:
            body["data"] = result.data
        body.update(result.top)
    elif result is not None:
        body["data"] = result
    return body


def fail(err: ApiError) -> dict[str, Any]:
    """Render an error in the Worksection error envelope."""
    body: dict[str, Any] = {"status": "error", "status_code": err.status_code,
                            "message": err.message}
    if err.details not in (None, ""):
        body["message_details"] = err.details
    body.update(err.extra)
    return body
