"""Domain errors raised by services and API guards; each surface answers them with their status and message."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses. `message` is for the user, already translated."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class InvalidInput(DomainError):
    status_code = 400


class Unauthenticated(DomainError):
    """The caller did not say who it is, or said it wrongly (HTTP 401)."""

    status_code = 401


class Forbidden(DomainError):
    """The caller is known but may not do this (HTTP 403)."""

    status_code = 403


class InvalidTransition(DomainError):
    """The case is not in a state that allows the action (HTTP 409)."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "invalid_transition") -> None:
        super().__init__(message, code=code)


class RateLimited(DomainError):
    """Too many requests (HTTP 429): the one error for every limit (reports, photos, hooks, Open311, SMS codes).
    `retry_after`: the limit's window in seconds, as the message says; every surface sends it as Retry-After."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, code="rate_limited", field=field)
        self.retry_after = max(1, retry_after)
