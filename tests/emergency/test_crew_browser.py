"""A crew on a 360 px phone works a run through handover with the network dropped in the middle: the taps made
without signal wait on the phone (shown as waiting), are sent with their original times once the connection is
back, and the incident's timestamps are exactly the taps' times. The receiving hospital's staff see the pre-arrival
notice and acknowledge the handover."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.emergency import services
from patriot.emergency.models import Ambulance, CrewStepReceipt, Incident, PatientReport
from patriot.geo.lookup import reset_area_index
from tests.browser import DESKTOP, PHONE, Screens, serve_in_thread, sign_in
from tests.emergency.conftest import details, make_ambulance
from tests.factories import MARGAHAYU, load_areas

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "Kata-sandi-kru-2026"
PORTS = range(19300, 19350)


@pytest.fixture
def asgi_server(settings: Settings) -> Iterator[str]:
    """uvicorn, so the hospital's page gets the live notice on the staff stream."""
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    with serve_in_thread(PORTS) as base:
        yield base


def account(username: str, role: str, unit: OrganisationUnit) -> User:
    user = User(username=username, role=role, unit=unit, first_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def dispatched() -> tuple[Incident, Ambulance, OrganisationUnit]:
    load_areas()
    reset_area_index()
    psc = OrganisationUnit.objects.create(kind=UnitKindChoices.PSC_CENTRE, code="psc", name="PSC 119")
    call_taker = account("calltaker", RoleChoices.PSC_CALL_TAKER, psc)
    with clock.pinned(clock.now() - timedelta(minutes=10)):
        incident = services.create_incident(call_taker, details())
        ambulance = make_ambulance("amb-kru")
        services.move_ambulance(call_taker, ambulance, "dispatch", incident=incident)
    account("kru", RoleChoices.AMBULANCE_CREW, ambulance.unit)
    hospital = OrganisationUnit.objects.create(
        kind=UnitKindChoices.HOSPITAL, code="rs-tujuan", name="RS Tujuan", latitude=-6.24, longitude=107.0
    )
    account("igd", RoleChoices.HOSPITAL_STAFF, hospital)
    return incident, ambulance, hospital


def queued(page: Any) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate(
        "() => JSON.parse(localStorage.getItem('patriot-crew-queue-' + document.querySelector('[data-crew]').dataset.ambulance) || '[]')"
    )
    return result


def tap_offline(page: Any, name: str) -> dict[str, str]:
    """Tap a status button without signal; returns the tap as the phone keeps it (key, action, time)."""
    before = {item["key"] for item in queued(page)}
    page.get_by_role("button", name=name, exact=True).click()
    return next(item for item in queued(page) if item["key"] not in before)


def tap_online(page: Any, name: str) -> dict[str, str]:
    """Tap a status button with signal; returns the tap as the phone sent it."""
    with page.expect_request_finished(lambda request: request.url.endswith("/psc/kru/langkah/")) as sending:
        page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_function("() => document.querySelector('[data-crew-queue]').hidden")
    expect(page.locator("[data-crew-error]")).to_be_hidden()
    tapped: dict[str, str] = json.loads(sending.value.post_data)
    return tapped


def wait_sent(page: Any) -> None:
    expect(page.locator("[data-crew-queue]")).to_be_hidden()
    page.wait_for_function(
        "() => !document.querySelector('[data-crew-queue]') || document.querySelector('[data-crew-queue]').hidden"
    )


def when(item: dict[str, str]) -> datetime:
    return datetime.fromisoformat(item["at"].replace("Z", "+00:00"))


def test_a_crew_works_a_run_through_a_network_drop(
    dispatched: tuple[Incident, Ambulance, OrganisationUnit], asgi_server: str, new_page: Any, screens: Screens
) -> None:
    incident, ambulance, hospital = dispatched
    # The hospital's emergency desk has its incoming page open, with nothing coming yet.
    desk = new_page(viewport=DESKTOP)
    sign_in(desk, asgi_server, "igd", PASSWORD)
    desk.goto(f"{asgi_server}/psc/rs/")
    expect(desk.locator("[data-live-indicator]")).to_have_attribute("data-state", "connected")
    expect(desk.locator("#incoming-live")).to_contain_text("Tidak ada ambulans")

    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
    )
    # Every status tap that reached the server, as the phone sent it.
    sent: list[dict[str, str]] = []
    page.on(
        "requestfinished",
        lambda request: (
            sent.append(json.loads(request.post_data)) if request.url.endswith("/psc/kru/langkah/") else None
        ),
    )
    sign_in(page, asgi_server, "kru", PASSWORD)
    expect(page).to_have_url(re.compile(r"/psc/kru/$"))
    expect(page.locator(".crew__card").first).to_contain_text(incident.number)
    expect(page.locator(".crew a[href^='tel:']")).to_be_visible()
    screens.shot(page, "assignment")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    taps = {"depart": tap_online(page, "Berangkat")}
    expect(page.locator("[data-crew-status]")).to_have_text("Menuju lokasi")

    # The signal drops: the taps wait on the phone, shown as waiting.
    page.context.set_offline(True)
    taps["arrive"] = tap_offline(page, "Tiba di lokasi")
    taps["transport"] = tap_offline(page, "Berangkat ke rumah sakit")
    expect(page.locator("[data-crew-queue] li")).to_have_count(2)
    expect(page.locator("[data-crew-net]")).to_contain_text("Tanpa sinyal")
    expect(page.locator("[data-crew-status]")).to_have_text("Membawa pasien")
    screens.shot(page, "offline, two taps waiting")
    # Time passes before the signal is back (the server must not take its own time).
    page.wait_for_function(f"() => Date.now() > {int(when(taps['transport']).timestamp() * 1000) + 2500}")
    assert Ambulance.objects.get(pk=ambulance.pk).status == "en_route"
    page.context.set_offline(False)
    wait_sent(page)
    # Sent as tapped: same keys, same times.
    assert [item for item in sent if item["key"] in (taps["arrive"]["key"], taps["transport"]["key"])] == [
        taps["arrive"],
        taps["transport"],
    ]
    expect(page.locator("[data-crew-net]")).to_have_text("Daring")

    # On the way to hospital: the patient and the destination.
    page.reload()
    page.fill("#id_pulse", "400")
    page.get_by_role("button", name="Simpan data pasien").click()
    expect(page.locator(".field-error").first).to_contain_text("Nadi antara 0 dan 300 kali per menit.")
    page.fill("#id_pulse", "118")
    page.fill("#id_gcs", "14")
    page.fill("#id_spo2", "94")
    page.fill("#id_bp_systolic", "150")
    page.fill("#id_bp_diastolic", "95")
    page.fill("#id_assessment", "Curiga sindrom koroner akut")
    page.get_by_role("button", name="Simpan data pasien").click()
    expect(page.locator(".message").first).to_contain_text("Data pasien disimpan.")
    page.get_by_label(re.compile("RS Tujuan")).check()
    page.get_by_role("button", name="Kirim pemberitahuan pra-kedatangan").click()
    expect(page.locator(".message").first).to_contain_text("RS Tujuan")
    screens.shot(page, "destination chosen")

    # The hospital sees the ambulance coming, live (no reload).
    expect(desk.locator("[data-notice]")).to_contain_text("Curiga sindrom koroner akut")
    screens.shot(desk, "hospital notified")

    taps["reach_hospital"] = tap_online(page, "Tiba di rumah sakit")
    taps["clear"] = tap_online(page, "Serah terima pasien di IGD")
    desk.get_by_role("button", name="Konfirmasi serah terima pasien").click()
    expect(desk.locator("[data-notice]")).to_contain_text("Dikonfirmasi")
    screens.shot(desk, "hospital acknowledged")
    taps["back_in_service"] = tap_online(page, "Siaga kembali")
    expect(page.locator("[data-crew-status]")).to_have_text("Siaga")

    incident.refresh_from_db()
    stamps = {
        "depart": incident.en_route_at,
        "arrive": incident.on_scene_at,
        "transport": incident.left_scene_at,
        "reach_hospital": incident.at_hospital_at,
        "clear": incident.handover_at,
        "back_in_service": incident.back_in_service_at,
    }
    assert stamps == {action: when(item) for action, item in taps.items()}
    receipts = {receipt.action: receipt for receipt in CrewStepReceipt.objects.all()}
    assert len(receipts) == 6
    for action in ("arrive", "transport"):  # sent after the signal came back, stamped with the tap's time
        assert (receipts[action].received_at - receipts[action].tapped_at).total_seconds() > 2
    report = PatientReport.objects.get()
    assert report.destination == hospital and report.acknowledged_at is not None and report.pulse == 118
    ambulance.refresh_from_db()
    assert ambulance.status == "available" and ambulance.last_latitude is not None


def test_without_signal_the_crew_page_opens_again_with_the_assignment_and_the_queue(
    dispatched: tuple[Incident, Ambulance, OrganisationUnit], asgi_server: str, new_page: Any, screens: Screens
) -> None:
    incident, ambulance, _hospital = dispatched
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
    )
    sign_in(page, asgi_server, "kru", PASSWORD)
    expect(page).to_have_url(re.compile(r"/psc/kru/$"))
    # The service worker keeps the page as it was loaded with a signal, with its files.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        "() => caches.open('patriot-psc-crew-v1').then((cache) => cache.match('/psc/kru/')).then(Boolean)"
    )
    # A tap confirmed by the server after that copy was made: the reload without signal still shows it.
    depart = tap_online(page, "Berangkat")

    page.context.set_offline(True)
    tap_offline(page, "Tiba di lokasi")
    expect(page.locator("[data-crew-queue] li")).to_have_count(1)
    page.reload()
    expect(page.locator(".crew__card").first).to_contain_text(incident.number)
    expect(page.locator(".crew")).to_contain_text("Jl. Anggrek No. 9")
    expect(page.locator(".crew a[href^='tel:']")).to_be_visible()
    expect(page.locator("[data-crew-net]")).to_contain_text("Tanpa sinyal")
    expect(page.locator("[data-crew-queue] li")).to_have_count(1)
    expect(page.locator("[data-crew-status]")).to_have_text("Di lokasi")
    expect(page.locator('[data-stamp="depart"] time')).to_have_attribute("datetime", depart["at"])
    expect(page.get_by_role("button", name="Berangkat ke rumah sakit", exact=True)).to_be_visible()
    screens.shot(page, "reloaded without signal")
    assert Ambulance.objects.get(pk=ambulance.pk).status == "en_route"

    page.context.set_offline(False)
    wait_sent(page)
    expect(page.locator("[data-crew-net]")).to_have_text("Daring")
    ambulance.refresh_from_db()
    assert ambulance.status == "on_scene"
    incident.refresh_from_db()
    assert incident.en_route_at == when(depart)


def test_a_signed_out_visit_drops_the_kept_page(
    dispatched: tuple[Incident, Ambulance, OrganisationUnit], asgi_server: str, new_page: Any
) -> None:
    page = new_page(viewport=PHONE)
    sign_in(page, asgi_server, "kru", PASSWORD)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    kept = "() => caches.open('patriot-psc-crew-v1').then((cache) => cache.match('/psc/kru/')).then(Boolean)"
    page.wait_for_function(kept)
    page.context.clear_cookies()
    page.goto(f"{asgi_server}/psc/kru/")
    expect(page).to_have_url(re.compile(r"/masuk/"))
    page.wait_for_function(kept.replace(".then(Boolean)", ".then((copy) => !copy)"))
