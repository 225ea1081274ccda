"""The dispatch board in a real browser at 1920 × 1080: a new P1 incident taken by the call taker appears on the open
board without a reload, with the visible alarm; the dispatcher opens its suggestions and sends the recommended unit.

Served by uvicorn in a thread of this process (shares the test database), as tests/opscentre/test_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.emergency import services
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import AmbulanceTypeChoices
from patriot.emergency.models import Ambulance
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import PHONE, Screens, serve_in_thread, sign_in
from tests.emergency.conftest import details, make_ambulance
from tests.factories import BEKASI_JAYA, BINTARA

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-uji-2026"
PORTS = range(18460, 18500)
CONTROL_ROOM = {"width": 1920, "height": 1080}


@pytest.fixture
def asgi_server(settings: Settings) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    with serve_in_thread(PORTS) as base:
        yield base


def _user(username: str, role: str, unit: OrganisationUnit) -> User:
    user = User(username=username, role=role, first_name=username.title(), unit=unit)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_new_p1_appears_with_the_alarm_and_the_suggested_unit_is_dispatched(
    asgi_server: str, new_page: Any, screens: Screens
) -> None:
    load_reference_areas()
    reset_area_index()
    psc = OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc", name="PSC 119 Bekasi")
    call_taker = _user("penerima", RoleChoices.PSC_CALL_TAKER, psc)
    _user("dispatcher", RoleChoices.PSC_DISPATCHER, psc)
    near = make_ambulance("dekat", last_latitude=BEKASI_JAYA[0], last_longitude=BEKASI_JAYA[1])
    make_ambulance("jauh", last_latitude=BINTARA[0], last_longitude=BINTARA[1])
    make_ambulance(
        "angkut",
        ambulance_type=AmbulanceTypeChoices.TRANSPORT,
        last_latitude=BEKASI_JAYA[0],
        last_longitude=BEKASI_JAYA[1] + 0.002,
    )
    base = asgi_server

    board = new_page(viewport=CONTROL_ROOM)
    errors: list[str] = []
    board.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(board, base, "dispatcher", PASSWORD)
    board.goto(f"{base}/psc/papan/")
    board.wait_for_selector("[data-live][data-state=connected]")
    board.wait_for_selector("[data-units] tr[data-unit-row]")
    expect(board.locator("[data-alarm]")).to_be_hidden()
    screens.shot(board, "papan-kosong")

    incident = services.create_incident(call_taker, details())  # chest pain: P1

    alarm = board.locator("[data-alarm]")
    expect(alarm).to_be_visible()
    expect(alarm).to_contain_text(incident.number)
    card = board.locator(f"[data-card='{incident.pk}']")
    expect(card).to_be_visible()
    expect(card.locator(".timer")).not_to_have_text("0:00")  # the timer runs
    screens.shot(board, "papan-p1-baru")

    board.click("[data-alarm-open]")
    expect(alarm).to_be_hidden()
    recommended = board.locator(".psc-suggestions li.recommended")
    expect(recommended).to_contain_text("Ambulans dekat")
    screens.shot(board, "papan-saran")
    board.click("[data-dispatch]")
    expect(board.locator("[data-done]")).to_contain_text("Ambulans dekat")
    expect(board.locator("[data-list=dispatched]")).to_contain_text(incident.number)
    screens.shot(board, "papan-ditugaskan")

    near.refresh_from_db()
    assert near.status == Status.DISPATCHED and near.incident_id == incident.pk
    assert Ambulance.objects.filter(status=Status.DISPATCHED).count() == 1
    assert board.url.endswith("/psc/papan/")  # never reloaded

    phone = new_page(viewport=PHONE)
    sign_in(phone, base, "dispatcher", PASSWORD)
    phone.goto(f"{base}/psc/papan/")
    phone.wait_for_selector(f"[data-card='{incident.pk}']")
    screens.shot(phone, "papan-360")
    assert not errors, errors


def test_the_poc_dashboard_panel_follows_incidents_and_units_live(
    asgi_server: str, new_page: Any, screens: Screens
) -> None:
    load_reference_areas()
    reset_area_index()
    psc = OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc", name="PSC 119 Bekasi")
    call_taker = _user("penerima", RoleChoices.PSC_CALL_TAKER, psc)
    dispatcher = _user("dispatcher", RoleChoices.PSC_DISPATCHER, psc)
    unit = make_ambulance("siaga", last_latitude=BEKASI_JAYA[0], last_longitude=BEKASI_JAYA[1])
    poc = User(username="poc", role=RoleChoices.POC_OPERATOR, first_name="Poc")
    poc.set_password(PASSWORD)
    poc.save()

    page = new_page(viewport=CONTROL_ROOM)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, asgi_server, "poc", PASSWORD)
    page.goto(f"{asgi_server}/poc/dasbor/")
    expect(page.locator("[data-live-indicator]").first).to_have_attribute("data-state", "connected")
    panel = page.locator("[data-emergency-panel]")
    expect(panel.locator("[data-total]")).to_have_text("0")
    expect(panel.locator("[data-units] circle")).to_have_count(1)
    expect(panel.locator("[data-areas] circle")).to_have_count(0)

    incident = services.create_incident(call_taker, details())  # P1, waiting
    expect(panel.locator("[data-total]")).to_have_text("1")
    expect(panel.locator("tr[data-state=open] td").last).to_have_text("1")
    expect(panel.locator("[data-areas] circle")).to_have_count(1)

    services.dispatch_units(dispatcher, incident, [unit.pk])
    expect(panel.locator("tr[data-state=dispatched] td").first).to_have_text("1")
    expect(panel.locator("tr[data-state=open] td").last).to_have_text("0")
    # The dispatched unit leaves the map (it would mark the patient's place) and is counted by status.
    expect(panel.locator("[data-units] circle")).to_have_count(0)
    expect(panel.locator("[data-status=dispatched]")).to_be_visible()
    expect(panel.locator("[data-status=dispatched] [data-count]")).to_have_text("1")
    expect(panel.locator("[data-status=available]")).to_be_hidden()
    screens.shot(page, "poc-panel-live")
    assert page.url.endswith("/poc/dasbor/")  # never reloaded
    assert "Anggrek" not in page.content() and "Bu Sari" not in page.content()
    assert not errors, errors
