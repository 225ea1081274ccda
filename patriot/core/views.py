"""The landing page, error pages that show the request id, and the operations endpoints
(/healthz, /readyz, /metrics)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from patriot.core import health, metrics, registry

if TYPE_CHECKING:
    from patriot.accounts.models import User


def home_for(user: User) -> str:
    """The URL a user lands on after signing in: the start page an app registered for the role or for their group of
    it (core.registry;
    accounts registers a page saying the module is not there yet for staff roles no app serves), else the landing
    page."""
    url_name = registry.start_page_for(user)
    return reverse(url_name) if url_name else "/"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


# --- operations ---------------------------------------------------------------------------


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is checked (load balancers restart on this, so it must not flap)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this process should get traffic: 200 when every check holds, 503 otherwise."""
    ready, body = health.readiness()
    response = JsonResponse(body, status=200 if ready else 503)
    # The access line records it; without this Django would log every probe of a not-ready process as an error.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag: log_response skips a logged response
    return response


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics.may_scrape(request):
        return HttpResponse(
            str(_("Metrik hanya untuk alamat yang diizinkan atau dengan token.")),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


# --- error pages ----------------------------------------------------------------------------


# Paths that name a case: the error page says what may have happened to that case without saying whether it exists
# (a confidential case's number gives the same page as a number never issued).
_CASE_PATHS = (
    (re.compile(r"^/lapor/terkirim/(?P<number>[\w-]{1,24})/?$"), "confirmation"),
    (re.compile(r"^/lacak/(?P<number>[\w-]{1,24})/"), "tracking"),
    (re.compile(r"^/(?:poc|opd|urc)/laporan/(?P<number>[\w-]{1,24})/"), "staff_case"),
)


def error_context(request: HttpRequest) -> dict[str, Any]:
    """What an error page offers as a way back: the page before (same site only), the reader's start page, and
    for a case's path which case it was about."""
    context: dict[str, Any] = {"request_id": getattr(request, "request_id", "")}
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 for a forged Host header must not fail in turn
        host = ""
    same_site = bool(referer and host) and url_has_allowed_host_and_scheme(referer, allowed_hosts={host})
    if same_site and urlsplit(referer).path != request.path:
        context["back_url"] = referer
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["start_url"] = home_for(user)
    for pattern, kind in _CASE_PATHS:
        match = pattern.match(request.path)
        if match:
            context["case_kind"], context["case_number"] = kind, match["number"].upper()
            break
    return context


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, error_context(request), status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no base layout: they may need the database that just failed.
    body = render_to_string("500.html", {"request_id": getattr(request, "request_id", ""), "home_url": "/"})
    return HttpResponse(body, status=500)
