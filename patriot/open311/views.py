"""The GeoReport v2 endpoints at /open311/v2/ (thin: parse, call a query or service, write JSON or XML)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.csrf import csrf_exempt

from patriot.core.errors import DomainError, Forbidden, InvalidInput, RateLimited
from patriot.core.ratelimit import client_address, hit
from patriot.open311 import params, queries, serializers, services
from patriot.open311.errors import MethodNotAllowed, NotFound
from patriot.open311.models import ApiKey

# Open311 parameter names for the fields the case services name in their refusals.
_PARAMETERS = {
    "category": "service_code",
    "location": "lat/long",
    "address": "address_string",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "reporter_email": "email",
    "photos": "media",
}

View = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str:
    """English for Open311 clients unless their Accept-Language prefers Indonesian."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code.startswith(("id", "in")):
            return "id"
        if code.startswith("en"):
            return "en"
    return "en"


def _parameter(field: str | None) -> str | None:
    if field and field.startswith("attributes."):
        return f"attribute[{field.removeprefix('attributes.')}]"
    return _PARAMETERS.get(field or "", field)


def _error(fmt: str, error: DomainError) -> HttpResponse:
    description = error.message
    if parameter := _parameter(error.field):
        description = f"{parameter}: {description}"
    response = serializers.render(
        fmt, "errors", [serializers.error(error.status_code, description)], status=error.status_code
    )
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def _check_jurisdiction(request: HttpRequest) -> None:
    given = request.GET.get("jurisdiction_id") or (
        request.POST.get("jurisdiction_id") if request.method == "POST" else ""
    )
    if given and given != serializers.jurisdiction_id():
        raise NotFound(
            _("jurisdiction_id %(given)s tidak ditemukan; server ini melayani %(ours)s.")
            % {"given": given, "ours": serializers.jurisdiction_id()}
        )


def endpoint(*methods: str) -> Callable[[View], View]:
    """Language, per-address rate limit, jurisdiction check, allowed methods and errors in the spec's format."""

    def decorate(view: View) -> View:
        allowed = (*methods, "HEAD") if "GET" in methods else methods

        def answer(request: HttpRequest, fmt: str, kwargs: dict[str, Any]) -> HttpResponse:
            try:
                if request.method not in allowed:
                    raise MethodNotAllowed(_("Metode %(method)s tidak didukung di sini.") % {"method": request.method})
                limit = getattr(settings, "PATRIOT_OPEN311_RATE_PER_MINUTE", 120)
                if not hit("open311", client_address(request), limit):
                    raise RateLimited(
                        _("Terlalu banyak permintaan dari alamat ini. Coba lagi dalam satu menit."),
                        retry_after=60,
                    )
                _check_jurisdiction(request)
                return view(request, fmt, **kwargs)
            except DomainError as error:
                response = _error(fmt, error)
                if isinstance(error, MethodNotAllowed):
                    response["Allow"] = ", ".join(allowed)
                return response

        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            language = _language(request)
            with translation.override(language):
                response = answer(request, fmt, kwargs)
            # Otherwise the page middleware labels the answer with the city's language.
            response["Content-Language"] = language
            return response

        return wrapper

    return decorate


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return serializers.render(fmt, "discovery", serializers.discovery(request, queries.catalogue_changed_at()))


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    return serializers.render(fmt, "services", [serializers.service(category) for category in queries.services()])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = queries.service(code)
    if category is None:
        raise NotFound(_("service_code %(code)s tidak ditemukan.") % {"code": code})
    return serializers.render(fmt, "service_definition", serializers.service_definition(category))


def _api_key(request: HttpRequest) -> ApiKey:
    raw = request.POST.get("api_key") or request.GET.get("api_key") or ""
    if not raw:
        raise Forbidden(_("api_key wajib dikirim untuk membuat laporan."), code="forbidden")
    key = services.authenticate_api_key(raw)
    if key is None:
        raise Forbidden(_("api_key tidak valid."), code="forbidden")
    return key


# The spec's "Format sent": Content-Type: application/x-www-form-urlencoded (multipart for the media extension).
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.content_type not in _FORM_TYPES:
        # Otherwise a JSON body would be read as an empty form and refused for its "missing" api_key.
        raise InvalidInput(
            _("Kirim laporan sebagai formulir application/x-www-form-urlencoded (atau multipart/form-data)."),
            code="unsupported_media_type",
            field="Content-Type",
        )
    key = _api_key(request)
    if not hit("open311-key", str(key.pk), getattr(settings, "PATRIOT_OPEN311_KEY_RATE_PER_MINUTE", 60)):
        raise RateLimited(_("Terlalu banyak laporan dengan api_key ini. Coba lagi dalam satu menit."), retry_after=60)
    result = services.submit_request(
        key,
        params.service_request(request),
        photos=[(upload.name or "", upload) for upload in request.FILES.getlist("media")],
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    response = serializers.render(fmt, "service_requests", [serializers.created(result.case)])
    if not result.created:
        response["Idempotent-Replayed"] = "true"
    return response


@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    ids = params.request_ids(request.GET)
    found = queries.requests_by_id(ids) if ids else queries.search_requests(params.request_search(request.GET))
    return serializers.render(fmt, "service_requests", [serializers.service_request(request, case) for case in found])


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    found = queries.requests_by_id([request_id])
    if not found:
        raise NotFound(_("service_request_id %(id)s tidak ditemukan.") % {"id": request_id})
    return serializers.render(fmt, "service_requests", [serializers.service_request(request, found[0])])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """Requests are created at once (type realtime), so a token is the request's id, accepted here for clients
    that always ask."""
    found = queries.requests_by_id([token])
    if not found:
        raise NotFound(_("token %(token)s tidak ditemukan.") % {"token": token})
    return serializers.render(fmt, "service_requests", [serializers.token(found[0])])


@csrf_exempt
def not_found(request: HttpRequest, path: str) -> HttpResponse:
    fmt = "xml" if path.endswith(".xml") else "json"
    language = _language(request)
    with translation.override(language):
        response = _error(fmt, NotFound(_("Tidak ada endpoint Open311 di %(path)s.") % {"path": request.path}))
    response["Content-Language"] = language
    return response
