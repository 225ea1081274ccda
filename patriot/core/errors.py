"""Domain errors raised by services; the API turns them into 400 / 409 answers with the same message."""

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


class InvalidTransition(DomainError):
    """The case is not in a state that allows the action (HTTP 409)."""

    status_code = 409

    def __init__(self, message: str, *, code: str = "invalid_transition") -> None:
        super().__init__(message, code=code)
