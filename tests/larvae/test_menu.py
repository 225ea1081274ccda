"""Si Tik Tik plugs into the staff menu through core.registry: the jumantik sees their week and the inspection form,
Dinkes (health officers) the indices and the supervision pages, a coordinator the supervision pages, each in both languages with the current page marked; nobody else sees them."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from patriot.accounts.choices import RoleChoices as Role
from patriot.geo.models import Village
from patriot.larvae.models import FieldAssignment
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.usefixtures("areas")

ENTRY = re.compile(r'<li><a href="([^"]*)"( aria-current="page")?>([^<]*)</a></li>')
MY_WEEK = ("/jumantik/", "Minggu saya", "My week")
INSPECT = ("/jumantik/periksa/", "Periksa rumah", "Inspect a house")
INDICES = ("/jumantik/indeks/", "Indeks jentik", "Larva indices")
SUPERVISION = ("/jumantik/pengawasan/", "Pemeriksaan rumah", "House inspections")
QUALITY = ("/jumantik/mutu/", "Mutu data", "Data quality")
TARGETS = ("/jumantik/target/", "Target RT", "RT targets")
AREAS = ("/jumantik/wilayah/", "Peta jentik", "Larva map")
DENGUE = ("/jumantik/wilayah/dbd/", "Kasus DBD", "Dengue cases")
ALERTS = ("/jumantik/wilayah/peringatan/", "Peringatan jentik", "Larva alerts")
MENUS = {
    Role.JUMANTIK: [MY_WEEK, INSPECT],
    Role.HEALTH_OFFICER: [INDICES, AREAS, DENGUE, ALERTS, SUPERVISION, QUALITY, TARGETS],
    Role.JUMANTIK_COORDINATOR: [SUPERVISION, QUALITY, TARGETS],
    Role.POC_OPERATOR: [AREAS],
    Role.URC_OFFICER: [ALERTS],
}


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    with translation.override(translation.get_language()):
        yield


def _staff_entries(page: str) -> list[tuple[str, str, bool]]:
    """(href, label, is current) of the menu's /jumantik/ links."""
    nav = page.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return [
        (href, html.unescape(label), bool(current))
        for href, current, label in ENTRY.findall(nav)
        if href.startswith("/jumantik/")
    ]


def _client(role: str, language: str = "") -> Client:
    client = Client()
    # Dinkes is a health officer of an agency (one placed nowhere sees no households).
    user = make_user(role, agency=make_agency("dinkes")) if role == Role.HEALTH_OFFICER else make_user(role)
    if role == Role.JUMANTIK_COORDINATOR:
        FieldAssignment.objects.create(user=user, village=Village.objects.get(name="Margahayu"), rw=3)
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.mark.parametrize("role", list(MENUS))
def test_each_larvae_role_sees_its_pages_with_the_current_one_marked(role: str) -> None:
    client = _client(role)
    for page_href, _label, _english in MENUS[role]:
        response = client.get(page_href)
        assert response.status_code == 200, page_href
        expected = [(href, label, href == page_href) for href, label, _english in MENUS[role]]
        assert _staff_entries(response.content.decode()) == expected


@pytest.mark.parametrize("role", list(MENUS))
def test_the_entries_speak_english(role: str) -> None:
    page = _client(role, "en").get("/").content.decode()
    assert _staff_entries(page) == [(href, english, False) for href, _label, english in MENUS[role]]


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.MAYOR, Role.AGENCY_OFFICER])
def test_other_roles_see_no_larvae_entry(role: str) -> None:
    assert _staff_entries(_client(role).get("/").content.decode()) == []
