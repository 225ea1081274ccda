"""The JSON API (django-ninja) at /api/v1, with its OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError

from patriot.cases.api import router as cases_router
from patriot.core import registry
from patriot.core.api_errors import error_response, install_error_handlers
from patriot.geo.api import router as areas_router

api = NinjaAPI(
    title="Patriot API",
    version="1",
    description="Citizen reports (cases), areas, categories and the city's workflow. Errors answer "
    '`{"detail", "code", "field"}` in the language of the request (Bahasa Indonesia by default).',
    urls_namespace="api-v1",
)
api.add_router("/", cases_router)
api.add_router("/areas", areas_router)
# Routers of apps that plug in without a line here (core.registry.register_api_router), in the order they registered.
for prefix, router in registry.api_routers():
    api.add_router(prefix, router)

install_error_handlers(api)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return error_response(404, _("Tidak ditemukan."), "not_found")


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return error_response(401, _("Masuk atau kirim token API yang valid."), "unauthenticated")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    """ninja's own refusals; the one it raises before a handler runs is a body that does not parse."""
    if error.status_code == 400:
        return error_response(400, _("Isi permintaan bukan JSON yang valid."), "invalid_json", "body")
    return error_response(error.status_code, _("Permintaan tidak dapat diproses."), "http_error")


@api.exception_handler(SuspiciousOperation)
def refused_request(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
    if isinstance(error, RequestDataTooBig):
        return error_response(413, _("Isi permintaan terlalu besar."), "too_large", "body")
    return error_response(400, _("Permintaan tidak valid."), "invalid")


@api.exception_handler(Exception)
def server_error(request: HttpRequest, error: Exception) -> HttpResponse:
    """A bug answers 500 in the same shape; it is still logged and signalled like any unhandled exception."""
    logging.getLogger("patriot.api").error("Unhandled error in %s %s", request.method, request.path, exc_info=error)
    got_request_exception.send(sender=None, request=request)
    return error_response(500, _("Terjadi kesalahan di server. Coba lagi nanti."), "server_error")
