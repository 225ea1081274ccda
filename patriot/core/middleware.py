"""Request middleware: the language of pages and of the API, the API's error shape, Retry-After on every 429."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.core.exceptions import SuspiciousOperation
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext, gettext_noop


class PageLanguageMiddleware(LocaleMiddleware):
    """Many Indonesian phones are set to English; the city's pages still open in Bahasa Indonesia.

    Pages use the language remembered from the header's switch (the language cookie), else the
    city's default. API clients keep Django's negotiation, Accept-Language included.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            accept = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if (
                len(accept) > _LONGEST_CACHED_ACCEPT
                or len(cookie or "") > _LONGEST_CACHED_COOKIE
                or is_language_prefix_patterns_used(getattr(request, "urlconf", settings.ROOT_URLCONF))[0]
            ):
                return super().process_request(request)
            # LocaleMiddleware's choice, which without i18n_patterns depends on the cookie and the header only.
            translation.activate(_negotiated(cookie, accept))
            request.LANGUAGE_CODE = translation.get_language()
            return None
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()
        return None


# Headers up to these lengths have their negotiated language remembered (a client writes what it likes).
_LONGEST_CACHED_ACCEPT = 200
_LONGEST_CACHED_COOKIE = 20


class _Asking:
    """What `translation.get_language_from_request` reads of a request when it does not look at the path."""

    def __init__(self, cookie: str | None, accept: str) -> None:
        self.COOKIES = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}


@functools.lru_cache(maxsize=256)
def _negotiated(cookie: str | None, accept: str) -> str:
    """Django's negotiation (language cookie, then Accept-Language, then LANGUAGE_CODE) for an API request: the same
    few headers come again and again, and each negotiation costs an API request ~20 µs (a refused cookie lookup
    raises and catches LookupError every time)."""
    return translation.get_language_from_request(_Asking(cookie, accept), check_path=False)  # type: ignore[arg-type]  # reads COOKIES and META only


@receiver(setting_changed)
def _forget_negotiated(*, setting: str, **kwargs: Any) -> None:
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LANGUAGE_COOKIE_NAME", "LOCALE_PATHS", "INSTALLED_APPS"}:
        _negotiated.cache_clear()


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _carries_nul(request: HttpRequest) -> bool:
    """A NUL character anywhere in the path, the query, a JSON body (as \\u0000) or a form field."""
    if "\x00" in request.path_info:
        return True
    # Without a query string there is nothing to parse (request.GET would be built only for this check).
    if request.META.get("QUERY_STRING") and any(
        "\x00" in value for _key, values in request.GET.lists() for value in values
    ):
        return True
    try:
        if request.content_type == "application/json":
            return b"\\u0000" in request.body.lower()
        if request.method == "POST" and request.content_type in FORM_TYPES:
            return any("\x00" in value for _key, values in request.POST.lists() for value in values)
    except SuspiciousOperation:
        return False  # too large or too many parts: the API's own handler answers that (413 / 400)
    return False


class ApiErrorShapeMiddleware:
    """Answers Django's own refusals under /api/ (an unknown path, a method the path lacks, and a request carrying a
    NUL character) in the API's error shape `{"detail", "code", "field"}`, as the API's handlers answer the rest."""

    REFUSALS: ClassVar[dict[int, tuple[str, str]]] = {
        404: (gettext_noop("Tidak ditemukan."), "not_found"),
        405: (gettext_noop("Metode ini tidak didukung di alamat ini."), "method_not_allowed"),
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith("/api/") and _carries_nul(request):
            # PostgreSQL text cannot hold NUL and no field means it: refuse before any handler queries with it.
            detail = gettext("Permintaan berisi karakter NUL yang tidak diizinkan.")
            return JsonResponse({"detail": detail, "code": "invalid", "field": "request"}, status=400)
        response = self.get_response(request)
        refusal = self.REFUSALS.get(response.status_code)
        if (
            refusal is None
            or not request.path_info.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        detail, code = refusal
        shaped = JsonResponse({"detail": gettext(detail), "code": code, "field": None}, status=response.status_code)
        if response.has_header("Allow"):
            shaped["Allow"] = response["Allow"]
        return shaped


class RetryAfterMiddleware:
    """Every 429 tells the client when to try again. API, hook and Open311 answers send the limit's own window
    (RateLimited.retry_after); a page that renders its refusal in a form gets the shortest window of any limit,
    one minute, so a client never waits longer than it must."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if response.status_code == 429 and not response.has_header("Retry-After"):
            response["Retry-After"] = "60"
        return response
