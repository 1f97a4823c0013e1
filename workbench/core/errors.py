"""Domain errors raised by services and rendered by the web layer with a status code."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused: the message is for the user, details list rows or fields."""

    status = 400

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class ValidationError(DomainError):
    """Input that cannot be accepted (HTTP 422)."""

    status = 422


class NotFound(DomainError):
    """Something named in the request does not exist (HTTP 404)."""

    status = 404


class Forbidden(DomainError):
    """The user's role does not allow this (HTTP 403)."""

    status = 403


class Conflict(DomainError):
    """The request clashes with existing data (HTTP 409)."""

    status = 409


class Unavailable(DomainError):
    """A service the request needs cannot be reached now (HTTP 503)."""

    status = 503
