"""API shapes shared by every app's router."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    """Every error answer: a sentence for the user, a stable code for programs, the field concerned."""

    detail: str
    code: str
    field: str | None = None
