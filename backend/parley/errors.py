"""Refusals with a stable code: raised by the rules layer, rendered by REST as JSON and by /ws as an error frame;
and the operator's mistakes, which the CLI prints as one line."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class CliError(Exception):
    """A mistake the operator can fix: printed as one line on stderr, exit status 1."""


def not_authenticated() -> ApiError:
    return ApiError(401, "not_authenticated", "Log in first.")


def room_not_found() -> ApiError:
    return ApiError(404, "room_not_found", "No such room.")


def not_a_member() -> ApiError:
    return ApiError(403, "not_a_member", "Join the room first.")


def room_archived() -> ApiError:
    return ApiError(403, "room_archived", "This room is archived and read-only.")


def user_not_found() -> ApiError:
    return ApiError(404, "user_not_found", "No such user.")


def validation_failed(fields: dict[str, Any]) -> ApiError:
    return ApiError(400, "validation_failed", "Some fields are not valid.", fields=fields)


def rate_limited(message: str, retry_after_ms: int, **extra: Any) -> ApiError:
    """Over a rate limit: `retry_after_ms` says when the same request would pass."""
    return ApiError(429, "rate_limited", message, retry_after_ms=retry_after_ms, **extra)
