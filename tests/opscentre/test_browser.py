"""Live pages in a real browser: a SOROT report filed over the API appears on an open POC dashboard and in the
mayor's workspace without a reload (server-sent events), and the live indicator says "connected".

Served by uvicorn running Django's ASGI application in a thread of this process (it shares the test database):
the event stream is an async response that only an ASGI server streams.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token, load_agencies
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.models import Village
from patriot.geo.services import load_reference_areas
from tests.browser import DESKTOP, Screens, serve_in_thread, sign_in
from tests.factories import give_authenticator

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-uji-2026"
PORTS = range(18200, 18300)
CATEGORY = "tutup-saluran-hilang"


@pytest.fixture
def asgi_server(settings: Settings) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    with serve_in_thread(PORTS) as base:
        yield base


def _user(username: str, role: str) -> User:
    user = User(username=username, role=role, first_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    return user


def _file_sorot_report(base: str, token: str) -> str:
    village = Village.objects.get(name="Margahayu")
    body = {
        "category": CATEGORY,
        "channel": "sorot",
        "title": "Tutup saluran hilang depan Pasar Proyek",
        "description": "Tutup saluran di depan Pasar Proyek hilang, lubangnya dalam dan membahayakan.",
        "latitude": village.centroid_lat,
        "longitude": village.centroid_lon,
    }
    request = urllib.request.Request(  # noqa: S310  (loopback test server)
        f"{base}/api/v1/cases",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  (loopback test server)
            return json.loads(response.read())["tracking_number"]
    except urllib.error.HTTPError as error:
        raise AssertionError(error.read().decode()) from error


def test_sorot_report_appears_live_on_dashboard_and_mayor_page(
    asgi_server: str,
    new_page: Any,
    screens: Screens,
) -> None:
    load_reference_areas()
    reset_area_index()
    load_agencies()
    load_categories()
    # Both roles sign in with a second factor.
    supervisor_secret = give_authenticator(_user("supervisor", RoleChoices.POC_SUPERVISOR))
    mayor_secret = give_authenticator(_user("walikota", RoleChoices.MAYOR))
    citizen = _user("warga", RoleChoices.CITIZEN)
    from patriot.citizens.models import CitizenProfile
    from patriot.core import clock

    # SOROT is the channel of citizens with a verified email and phone number.
    now = clock.now()
    CitizenProfile.objects.create(user=citizen, email_verified_at=now, phone_verified_at=now, created_at=now)
    _token, secret = create_api_token(citizen, "uji")
    base = asgi_server

    poc = new_page(viewport=DESKTOP)
    sign_in(poc, base, "supervisor", PASSWORD, supervisor_secret)
    errors: list[str] = []
    poc.on("pageerror", lambda error: errors.append(str(error)))
    poc.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    poc.goto(f"{base}/poc/dasbor/")
    poc.wait_for_selector("[data-live-indicator][data-state=connected]")
    assert poc.locator("[data-counter=open]").inner_text().strip() == "0"
    poc.wait_for_selector("#ops-map path.leaflet-interactive")  # kelurahan polygons
    screens.shot(poc, "dasbor-kosong")

    mayor = new_page(viewport=DESKTOP)
    sign_in(mayor, base, "walikota", PASSWORD, mayor_secret)
    mayor.goto(f"{base}/walikota/")
    mayor.wait_for_selector("[data-live-indicator][data-state=connected]")
    screens.shot(mayor, "walikota-kosong")

    number = _file_sorot_report(base, secret)

    poc.wait_for_selector(f"#ops-feed :text('{number}')")
    expect(poc.locator("[data-counter=open]")).to_have_text("1")
    poc.wait_for_selector("#ops-map path.leaflet-interactive")
    screens.shot(poc, "dasbor-laporan-baru")
    mayor.wait_for_selector(f"#mayor-cases tr[data-number='{number}']")
    screens.shot(mayor, "walikota-laporan-sorot")
    # Nothing was reloaded: the pages are the ones opened before the report.
    assert poc.url.endswith("/poc/dasbor/")
    assert mayor.url.endswith("/walikota/")
    # Checked last, not after a pause: the dashboard has lived through its whole first load and a live update.
    assert not errors, errors
