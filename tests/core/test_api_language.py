"""The API's language (core.middleware.PageLanguageMiddleware on /api/): Django's own negotiation, remembered per
cookie and Accept-Language value, must choose what Django's LocaleMiddleware chooses for every request."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.test import RequestFactory, override_settings
from django.utils import translation

from patriot.core import middleware

ACCEPTS = [
    "",
    "en",
    "en-US,en;q=0.9",
    "id-ID,id;q=0.9,en;q=0.8",
    "fr-FR,fr;q=0.9",
    "fr, en;q=0.5",
    "*",
    "en;q=0, id;q=0.1",
    "EN-gb",
    "zz-ZZ, *;q=0.1, en",
    "en-" + "x" * 300,  # beyond what is remembered
]
COOKIES = [None, "en", "id", "xx", "", "en-us", "e" * 40]


def _chosen(mw: Any, accept: str, cookie: str | None) -> tuple[str, str]:
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    request = RequestFactory().post("/api/v1/cases", data=b"{}", content_type="application/json", **headers)
    if cookie is not None:
        request.COOKIES["django_language"] = cookie
    with translation.override("id"):
        mw.process_request(request)
        return request.LANGUAGE_CODE, translation.get_language()


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


@pytest.mark.parametrize("cookie", COOKIES)
def test_the_api_language_is_djangos_choice(cookie: str | None) -> None:
    ours, django = middleware.PageLanguageMiddleware(_view), LocaleMiddleware(_view)
    for _round in range(2):  # the second time from what was remembered
        for accept in ACCEPTS:
            assert _chosen(ours, accept, cookie) == _chosen(django, accept, cookie), (accept, cookie)


def test_a_settings_change_forgets_what_was_negotiated() -> None:
    ours = middleware.PageLanguageMiddleware(_view)
    assert _chosen(ours, "fr", None)[0] == "id"
    with override_settings(LANGUAGE_CODE="en"):
        assert _chosen(ours, "fr", None)[0] == "en"
    assert _chosen(ours, "fr", None)[0] == "id"


def test_an_api_answer_in_english_for_an_english_client(client: Any) -> None:
    """Through the whole stack: an unknown path under /api/ answers in the client's language, on every request."""
    for _round in range(2):
        english = client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        indonesian = client.get("/api/v1/no-such-thing")
        assert english.json()["detail"] == "Not found." and english["Content-Language"] == "en"
        assert indonesian.json()["detail"] == "Tidak ditemukan." and indonesian["Content-Language"] == "id"
