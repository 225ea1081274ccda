"""What every django-ninja API of the project shares: the 400 answer to a request its schema refuses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja.errors import ValidationError


def validation_error_body(error: ValidationError) -> dict[str, Any]:
    """`{detail, code, field}` for the first problem, and every problem under `errors`, in the request's language."""
    problems = [_describe(problem) for problem in error.errors]
    first_text, first_field = problems[0] if problems else (_("Permintaan tidak valid."), "request")
    return {
        "detail": first_text,
        "code": "invalid",
        "field": first_field,
        "errors": [{"detail": text, "field": field} for text, field in problems],
    }


def _describe(problem: dict[str, Any]) -> tuple[str, str]:
    """A user-facing sentence for one pydantic problem, and the field it concerns."""
    location = [
        str(part) for part in problem.get("loc", ()) if part not in ("body", "payload", "query", "form", "file")
    ]
    field = ".".join(location) or "request"
    kind = problem.get("type", "")
    context = problem.get("ctx") or {}
    if kind == "missing":
        text = _("%(field)s wajib diisi.") % {"field": field}
    elif kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        text = _("%(field)s harus berupa angka.") % {"field": field}
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        text = _("%(field)s di luar rentang yang diizinkan.") % {"field": field}
    elif kind == "string_too_long":
        text = _("%(field)s paling banyak %(n)s karakter.") % {"field": field, "n": context.get("max_length")}
    elif kind in ("bool_parsing", "bool_type"):
        text = _("%(field)s harus true atau false.") % {"field": field}
    elif kind == "literal_error":
        text = _("%(field)s harus salah satu dari: %(values)s.") % {"field": field, "values": context.get("expected")}
    elif kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        text = _("Isi permintaan bukan JSON yang valid.")
    else:
        text = _("%(field)s tidak valid.") % {"field": field}
    return text, field
