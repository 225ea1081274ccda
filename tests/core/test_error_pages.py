"""Issue 14 item 13: branded 404/403/500 pages in both languages with a way back, including for a confidential
case's number (the same page as a number never issued) and a reloaded confirmation page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from patriot.accounts.choices import RoleChoices
from patriot.cases.models import Case
from patriot.core.views import server_error
from tests.factories import load_areas, make_agency, make_case, staff

pytestmark = pytest.mark.django_db


def _client(language: str, user: object = None) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.mark.parametrize(
    ("language", "words"),
    [("id", ["Halaman tidak ditemukan", "Ke beranda"]), ("en", ["Page not found", "To the home page"])],
)
def test_404_is_branded_with_a_way_back(language: str, words: list[str]) -> None:
    response = _client(language).get("/tidak-ada/", HTTP_REFERER="http://testserver/peta/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="brand"' in page and 'class="language-switch"' in page
    for word in words:
        assert word in page
    assert 'href="http://testserver/peta/"' in page  # back to where the reader came from (same site only)
    assert "evil.example" not in _client(language).get("/x/", HTTP_REFERER="https://evil.example/").content.decode()


def test_a_confidential_case_number_gives_the_same_page_as_an_unknown_number() -> None:
    load_areas()
    case = make_case()
    Case.objects.filter(pk=case.pk).update(is_confidential=True)
    confidential = _client("id").get(f"/lacak/{case.tracking_number}/")
    unknown = _client("id").get("/lacak/BKS-0000-999999/")
    assert confidential.status_code == unknown.status_code == 404
    page = confidential.content.decode()
    assert case.tracking_number in page and "tautan pribadi" in page and 'href="/lacak/"' in page
    assert page.replace(case.tracking_number, "N").count("tautan pribadi") == unknown.content.decode().count(
        "tautan pribadi"
    )


def test_a_reloaded_confirmation_page_explains_and_offers_tracking() -> None:
    load_areas()
    case = make_case()
    for language, words in (("id", "hanya tampil sekali"), ("en", "shown only once")):
        response = _client(language).get(f"/lapor/terkirim/{case.tracking_number}/")
        assert response.status_code == 404
        page = response.content.decode()
        assert words in page and 'href="/lacak/"' in page


def test_a_staff_case_out_of_reach_offers_the_work_list() -> None:
    load_areas()
    case = make_case()
    officer = staff(RoleChoices.AGENCY_OFFICER, agency=make_agency("dlh"))
    response = _client("en", officer).get(f"/opd/laporan/{case.tracking_number}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert case.tracking_number in page and 'href="/opd/"' in page and "Your work page" in page
    forbidden = _client("en", officer).get("/poc/")
    assert forbidden.status_code == 403 and 'href="/opd/"' in forbidden.content.decode()


@pytest.mark.parametrize(("language", "words"), [("id", "Terjadi gangguan"), ("en", "Something went wrong")])
def test_500_is_branded_in_both_languages(language: str, words: str) -> None:
    from django.utils import translation

    with translation.override(language):
        response = server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert words in page and 'class="brand"' in page and 'href="/"' in page and "patriot.css" in page
