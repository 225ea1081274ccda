"""The staff menu each role sees: pinned entry by entry, in both languages, with the current page marked.

Written before the menu moved from a hard-coded template to the apps' registrations (core.registry), and kept
passing unchanged across that move: the menu a role sees is the same whoever renders it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from patriot.accounts.choices import RoleChoices as Role
from tests.factories import load_areas, make_agency, make_case, make_team, make_user

pytestmark = pytest.mark.django_db

QUEUE = ("/poc/", "Antrean verifikasi", "Verification queue")
DASHBOARD = ("/poc/dasbor/", "Dasbor POC", "POC dashboard")
MAYOR = ("/walikota/", "Ruang kerja wali kota", "Mayor's workspace")
CALLS = ("/callcentre/", "Call center 1500444", "Call centre 1500444")
SEARCH = ("/poc/cari/", "Cari laporan", "Search reports")
WEEKLY = ("/poc/ringkasan/", "Ringkasan mingguan", "Weekly summary")
INBOX = ("/opd/", "Kotak masuk OPD", "Agency inbox")
ASSIGNMENTS = ("/urc/", "Tugas saya", "My assignments")
JOBS = ("/sistem/pekerjaan/", "Pekerjaan latar", "Background jobs")
# Si Tik Tik's pages (larvae) came after the pin: the jumantik's week and inspection, Dinkes' indices.
MY_WEEK = ("/jumantik/", "Minggu saya", "My week")
INSPECT = ("/jumantik/periksa/", "Periksa rumah", "Inspect a house")
INDICES = ("/jumantik/indeks/", "Indeks jentik", "Larva indices")
LARVAE_SUPERVISION = ("/jumantik/pengawasan/", "Pemeriksaan rumah", "House inspections")
LARVAE_QUALITY = ("/jumantik/mutu/", "Mutu data", "Data quality")
LARVAE_TARGETS = ("/jumantik/target/", "Target RT", "RT targets")
PSC_CALLS = ("/psc/", "Panggilan 119", "119 calls")
AMBULANCES = ("/psc/ambulans/", "Ambulans", "Ambulances")
DISPATCH_BOARD = ("/psc/papan/", "Papan dispatch", "Dispatch board")
PSC_REPORT = ("/psc/laporan/", "Laporan waktu PSC", "PSC time report")
LARVAE_AREAS = ("/jumantik/wilayah/", "Peta jentik", "Larva map")
LARVAE_DENGUE = ("/jumantik/wilayah/dbd/", "Kasus DBD", "Dengue cases")
LARVAE_ALERTS = ("/jumantik/wilayah/peringatan/", "Peringatan jentik", "Larva alerts")
# Sirine's Dinkes page (referrals, issue 12) came after the pin: Dinkes, the POC and the mayor.
DINKES = ("/dinkes/", "Dasbor Dinkes", "Health office dashboard")

MENUS: dict[str, list[tuple[str, str, str]]] = {
    Role.POC_OPERATOR: [QUEUE, LARVAE_AREAS, DASHBOARD, SEARCH, WEEKLY, DINKES],
    Role.POC_SUPERVISOR: [QUEUE, LARVAE_AREAS, DASHBOARD, SEARCH, WEEKLY, DINKES],
    Role.CALLCENTRE_OPERATOR: [CALLS, SEARCH, WEEKLY],
    Role.AGENCY_ADMIN: [INBOX],
    Role.AGENCY_OFFICER: [INBOX],
    Role.URC_OFFICER: [LARVAE_ALERTS, ASSIGNMENTS],
    Role.MAYOR: [MAYOR, SEARCH, WEEKLY, DINKES],
    Role.HEALTH_OFFICER: [
        INDICES,
        LARVAE_AREAS,
        LARVAE_DENGUE,
        LARVAE_ALERTS,
        LARVAE_SUPERVISION,
        ("/rujukan/semua/", "Rujukan", "Referrals"),
        LARVAE_QUALITY,
        LARVAE_TARGETS,
        PSC_REPORT,
        DINKES,
    ],
    Role.JUMANTIK: [MY_WEEK, INSPECT],
    Role.JUMANTIK_COORDINATOR: [LARVAE_SUPERVISION, LARVAE_QUALITY, LARVAE_TARGETS],
    Role.PSC_CALL_TAKER: [PSC_CALLS, DISPATCH_BOARD, AMBULANCES, PSC_REPORT],
    Role.PSC_DISPATCHER: [PSC_CALLS, DISPATCH_BOARD, AMBULANCES, PSC_REPORT],
    # Emergency's crew part (issue 11): the crew's assignment, the hospital's incoming ambulances.
    Role.AMBULANCE_CREW: [("/psc/kru/", "Penugasan", "Assignment")],
    # Referrals (issue 12) gave hospital staff their referrals and bed page, Dinkes all referrals.
    Role.HOSPITAL_STAFF: [
        ("/rujukan/", "Rujukan", "Referrals"),
        ("/rumah-sakit/tempat-tidur/", "Tempat tidur", "Beds"),
        ("/psc/rs/", "Ambulans masuk", "Incoming ambulances"),
    ],
    # The background jobs page (core) came after the pin, for the system admin only.
    Role.SYSTEM_ADMIN: [QUEUE, LARVAE_AREAS, DASHBOARD, MAYOR, CALLS, SEARCH, WEEKLY, DINKES, JOBS],
}
PUBLIC = [("/lapor/", "Lapor"), ("/lacak/", "Lacak laporan"), ("/peta/", "Peta")]
ENTRY = re.compile(r'<li><a href="([^"]*)"( aria-current="page")?>([^<]*)</a></li>')


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    with translation.override(translation.get_language()):
        yield


def _menu(page: str) -> list[tuple[str, str, bool]]:
    """(href, label as the browser shows it, is current) of every link in the main menu."""
    nav = page.split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    return [(href, html.unescape(label), bool(current)) for href, current, label in ENTRY.findall(nav)]


def _client(role: str, language: str = "") -> Client:
    agency = make_agency("dbmsda") if role in Role.AGENCY_ROLES or role == Role.URC_OFFICER else None
    team = make_team(agency, "urc-1") if agency is not None and role == Role.URC_OFFICER else None
    client = Client()
    client.force_login(make_user(role, agency=agency, team=team if role == Role.URC_OFFICER else None))
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_every_role_is_pinned() -> None:
    assert set(MENUS) == set(Role.values()) - {Role.CITIZEN}


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_sees_its_menu(role: str) -> None:
    menu = _menu(_client(role).get("/").content.decode())
    expected = [(href, label, False) for href, label, _english in MENUS[role]]
    assert menu == [(href, label, False) for href, label in PUBLIC] + expected


@pytest.mark.parametrize("role", list(MENUS))
def test_the_menu_speaks_english(role: str) -> None:
    menu = _menu(_client(role, "en").get("/").content.decode())
    assert menu[3:] == [(href, english, False) for href, _label, english in MENUS[role]]


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AGENCY_OFFICER, Role.URC_OFFICER, Role.CALLCENTRE_OPERATOR])
def test_the_page_one_is_on_is_marked_current(role: str) -> None:
    client = _client(role)
    for href, _label, _english in MENUS[role]:
        response = client.get(href)
        assert response.status_code == 200, href
        current = [entry[0] for entry in _menu(response.content.decode()) if entry[2]]
        assert current == [href], href


def test_the_queue_stays_current_on_a_case_page_and_a_deeper_page_keeps_its_section() -> None:
    load_areas()
    case = make_case()
    client = _client(Role.POC_OPERATOR)
    menu = _menu(client.get(f"/poc/laporan/{case.tracking_number}/").content.decode())
    assert [entry[0] for entry in menu if entry[2]] == ["/poc/"]
    menu = _menu(client.get("/poc/cari/?q=x").content.decode())
    assert [entry[0] for entry in menu if entry[2]] == ["/poc/cari/"]


def test_a_citizen_sees_no_staff_entries() -> None:
    menu = _menu(_client(Role.CITIZEN).get("/").content.decode())
    assert [href for href, _label, _current in menu] == [
        "/lapor/",
        "/lacak/",
        "/peta/",
        "/akun/laporan/",
        "/akun/notifikasi/",
    ]
