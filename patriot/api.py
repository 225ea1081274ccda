"""The JSON API (django-ninja) at /api/v1, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from patriot.cases.api import router as cases_router
from patriot.core.api import validation_error_body
from patriot.core.errors import DomainError, RateLimited
from patriot.geo.api import router as areas_router
from patriot.larvae.api import router as larvae_router

api = NinjaAPI(
    title="Patriot API",
    version="1",
    description="Citizen reports (cases), areas, categories and the city's workflow. Errors answer "
    '`{"detail", "code", "field"}` in the language of the request (Bahasa Indonesia by default).',
    urls_namespace="api-v1",
)
api.add_router("/", cases_router)
api.add_router("/areas", areas_router)
api.add_router("/larvae", larvae_router)


def error_response(request: HttpRequest, status: int, detail: str, code: str, field: str | None = None) -> HttpResponse:
    """The one error shape of the API: `{"detail", "code", "field"}`."""
    return api.create_response(request, {"detail": detail, "code": code, "field": field}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    response = error_response(request, error.status_code, error.message, error.code, error.field)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    return api.create_response(request, validation_error_body(error), status=400)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Tidak ditemukan."), "code": "not_found", "field": None}, status=404
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Masuk atau kirim token API yang valid."), "code": "unauthenticated", "field": None},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """ninja's own refusals; the one it raises before a handler runs is a body that does not parse."""
    if error.status_code == 400:
        return error_response(request, 400, _("Isi permintaan bukan JSON yang valid."), "invalid_json", "body")
    return error_response(request, error.status_code, _("Permintaan tidak dapat diproses."), "http_error")


@api.exception_handler(SuspiciousOperation)
def refused_request(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    if isinstance(error, RequestDataTooBig):
        return error_response(request, 413, _("Isi permintaan terlalu besar."), "too_large", "body")
    return error_response(request, 400, _("Permintaan tidak valid."), "invalid")


@api.exception_handler(Exception)
def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """A bug answers 500 in the same shape; it is still logged and signalled like any unhandled exception."""
    logging.getLogger("patriot.api").error("Unhandled error in %s %s", request.method, request.path, exc_info=error)
    got_request_exception.send(sender=None, request=request)
    return error_response(request, 500, _("Terjadi kesalahan di server. Coba lagi nanti."), "server_error")
