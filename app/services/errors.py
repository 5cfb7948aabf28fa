"""Errors services raise; the web layer turns them into pages or JSON with the same message."""

from __future__ import annotations


class ServiceError(ValueError):
    """Bad input or a request that cannot be done now; `status` is the HTTP status to answer."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The object is in a state that does not allow this (completed, revoked, expired…)."""

    status = 409


class Invalid(ServiceError):
    status = 422
