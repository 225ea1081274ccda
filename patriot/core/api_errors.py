"""The error answers every NinjaAPI instance shares: one shape `{detail, code, field}`, Retry-After on every 429."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError

from patriot.core.errors import DomainError, RateLimited


def error_response(status: int, detail: str, code: str, field: str | None = None, **extra: Any) -> HttpResponse:
    """The one error shape of the JSON APIs: `{"detail", "code", "field"}` (plus `extra` keys)."""
    body = {"detail": detail, "code": code, "field": field, **extra}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A refusal raised by a service or a guard, with its status; a RateLimited one says when to retry."""
    response = error_response(error.status_code, error.message, error.code, error.field)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


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


def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    """A request ninja could not parse into its schema: 400 naming the first field, and every problem in `errors`."""
    problems = [_describe(problem) for problem in error.errors]
    first_text, first_field = problems[0] if problems else (_("Permintaan tidak valid."), "request")
    return error_response(
        400,
        first_text,
        "invalid",
        first_field,
        errors=[{"detail": text, "field": field} for text, field in problems],
    )


def install_error_handlers(api: NinjaAPI) -> None:
    """Every NinjaAPI of the project answers domain errors and invalid requests with these same two handlers."""
    # django-ninja types a handler's error as `Exc | type[Exc]`; it is always called with an instance.
    api.add_exception_handler(DomainError, domain_error)  # type: ignore[arg-type]  # see above
    api.add_exception_handler(ValidationError, invalid_request)  # type: ignore[arg-type]  # see above
