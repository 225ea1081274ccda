"""Role start pages come from the apps' registrations (core.registry); the health roles, whose apps do not exist
yet, land on a page that says their module is not available yet (issue 10, item 9)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.views import home_for
from tests.factories import make_agency, make_user

PASSWORD = "Kata-sandi-uji-2026!"
# Every health role now lands on its app's page (the PSC roles and the ambulance crew on emergency's, hospital
# staff on referrals'); the "not available yet" page stays for a role an app does not serve, shown here to a crew.
HEALTH_ROLES = [
    Role.AMBULANCE_CREW,
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    with translation.override(translation.get_language()):
        yield


def _signed_in(role: str, language: str = "") -> Client:
    user = make_user(role, username=f"uji-{role}")
    user.set_password(PASSWORD)
    user.save()
    client = Client()
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post("/masuk/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.landed_on = response["Location"]  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize("role", HEALTH_ROLES)
def test_the_page_says_the_module_is_not_there_yet(role: str) -> None:
    client = _signed_in(role)
    html = client.get("/mulai/belum-tersedia/").content.decode()
    assert "Modul belum tersedia" in html
    assert f"Anda masuk sebagai {Role.label(role)}." in html


def test_hospital_staff_land_on_their_referrals() -> None:
    # Referrals (issue 12) registered the hospital staff's start page: /rujukan/ sends a hospital's staff to its
    # incoming referrals and a puskesmas's or clinic's to the referrals it sent.
    assert _signed_in(Role.HOSPITAL_STAFF).landed_on == "/rujukan/"  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", HEALTH_ROLES)
def test_the_page_speaks_english_too(role: str) -> None:
    html = _signed_in(role, "en").get("/mulai/belum-tersedia/").content.decode()
    assert "Module not available yet" in html
    assert "The module for your role is not available in Patriot yet." in html


def test_the_page_is_for_signed_in_people_only() -> None:
    response = Client().get("/mulai/belum-tersedia/")
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")


def test_a_dinkes_health_officer_lands_on_dinkes_page_and_a_puskesmas_one_on_the_larvae_indices() -> None:
    # Issue 12 item 11: Dinkes's health officers land on their workspace (referrals registers it for them only,
    # `only=`); it links to Si Tik Tik's indices, which link back. A puskesmas's health officer keeps the indices.
    dinkes = make_user(Role.HEALTH_OFFICER, agency=make_agency(settings.PATRIOT_HEALTH_AGENCY_CODE))
    assert home_for(dinkes) == "/dinkes/"
    assert home_for(make_user(Role.HEALTH_OFFICER, agency=make_agency("dinsos"))) == "/jumantik/indeks/"
    client = Client()
    client.force_login(dinkes)
    landing = client.get("/dinkes/").content.decode()
    assert 'href="/jumantik/indeks/"' in landing and 'href="/jumantik/pengawasan/"' in landing
    assert 'href="/dinkes/"' in client.get("/jumantik/indeks/").content.decode()
    # The POC opens Dinkes's page too, without the larvae links it may not follow.
    poc = Client()
    poc.force_login(make_user(Role.POC_SUPERVISOR))
    assert 'href="/jumantik/indeks/"' not in poc.get("/dinkes/").content.decode()


def test_every_other_role_starts_on_the_page_its_app_registered() -> None:
    served = {role: home_for(make_user(role)) for role in Role.values()}
    assert served == {
        Role.CITIZEN: "/akun/laporan/",
        Role.POC_OPERATOR: "/poc/",
        Role.POC_SUPERVISOR: "/poc/",
        Role.CALLCENTRE_OPERATOR: "/callcentre/",
        Role.AGENCY_ADMIN: "/opd/",
        Role.AGENCY_OFFICER: "/opd/",
        Role.URC_OFFICER: "/urc/",
        Role.MAYOR: "/walikota/",
        Role.HEALTH_OFFICER: "/jumantik/indeks/",
        Role.JUMANTIK: "/jumantik/",
        Role.JUMANTIK_COORDINATOR: "/jumantik/pengawasan/",
        Role.HOSPITAL_STAFF: "/rujukan/",
        Role.PSC_CALL_TAKER: "/psc/",
        Role.PSC_DISPATCHER: "/psc/papan/",
        Role.AMBULANCE_CREW: "/psc/kru/",
        Role.SYSTEM_ADMIN: "/admin/",
    }
