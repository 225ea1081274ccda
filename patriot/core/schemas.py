"""API shapes shared by every app's router."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every error answer: a sentence for the user, a stable code for programs, the field concerned."""

    detail: str
    code: str
    field: str | None = None


def errors(*statuses: int) -> dict[int, Any]:
    """The error answers an operation documents, every one in the ErrorOut shape."""
    return dict.fromkeys(statuses, ErrorOut)


# What each kind of operation may answer besides success. 400: malformed input (a body that is not JSON included);
# 401: no valid token or session; 403: the role may not, or a session write without its CSRF token;
# 404: not found or not visible to the caller; 409: the state forbids the action; 413: body too large;
# 429: rate limited (with Retry-After).
READ_ERRORS = errors(400, 404)
WRITE_ERRORS = errors(400, 404, 409, 413)
STAFF_READ_ERRORS = errors(400, 401, 403, 404)
STAFF_WRITE_ERRORS = errors(400, 401, 403, 404, 409, 413)
