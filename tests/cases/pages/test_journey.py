"""Issue 3's whole journey in a real browser: a citizen reports, the POC verifies and dispatches, the agency
assigns, the URC resolves with a photo, and the citizen confirms on the tracking page."""

from __future__ import annotations

from typing import Any

import pytest

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.accounts.services import load_agencies
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import DESKTOP, PHONE, Screens
from tests.factories import jpeg_bytes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "rahasia-uji-2026"
CATEGORY = "tutup-saluran-hilang"  # no custom attributes; the routing default is DBMSDA


def _user(username: str, role: str, **fields: Any) -> User:
    user = User(username=username, role=role, first_name=username.title(), **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _photo_file(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(640, 480, noise=True)}


def test_report_to_closed(live_server: Any, new_page: Any, screens: Screens) -> None:
    load_reference_areas()
    reset_area_index()
    load_agencies()
    load_categories()
    agency = Agency.objects.get(code="dbmsda")
    team = ResponseTeam.objects.filter(agency=agency).first()
    assert team is not None
    _user("operator", RoleChoices.POC_OPERATOR)
    _user("admin-opd", RoleChoices.AGENCY_ADMIN, agency=agency)
    _user("petugas-urc", RoleChoices.URC_OFFICER, agency=agency, team=team)
    base = live_server.url

    # 1. A citizen on a phone files a report with a photo and a map pin.
    citizen = new_page(viewport=PHONE)
    citizen.goto(f"{base}/lapor/")
    radio = citizen.locator(f"input[name=category][value={CATEGORY}]")
    radio.evaluate("input => { input.closest('details').open = true; }")
    radio.check()
    citizen.fill("textarea[name=description]", "Tutup saluran di depan pasar hilang, lubangnya dalam dan membahayakan.")
    citizen.locator("[data-pin-centre]").click()
    citizen.wait_for_selector("[data-location-readout]:has-text('Kelurahan')")
    citizen.set_input_files("input[name=photos]", [_photo_file("lubang.jpg")])
    screens.shot(citizen, "warga-mengisi-laporan")
    citizen.locator("[data-submit]").click()
    citizen.wait_for_url("**/lapor/terkirim/**")
    number = citizen.locator("#tracking-number").inner_text().strip()
    private_url = citizen.locator("#private-url").input_value()
    screens.shot(citizen, "warga-laporan-terkirim")
    case = Case.objects.get(tracking_number=number)
    assert case.state == CaseStateChoices.SUBMITTED
    assert case.attachments.count() == 1

    # 2. A POC operator signs in, verifies (key v) and dispatches (key d) to the suggested agency.
    poc = new_page(viewport=DESKTOP)
    _sign_in(poc, base, "operator")
    assert poc.url.endswith("/poc/")
    screens.shot(poc, "poc-antrean")
    poc.locator(f"a:has-text('{number}')").click()
    poc.wait_for_selector("#case-panel")
    assert "DBMSDA" in poc.locator("#case-panel").inner_text()
    screens.shot(poc, "poc-halaman-laporan")
    poc.keyboard.press("v")
    poc.wait_for_selector("#case-panel .badge[data-value=verified]")
    screens.shot(poc, "poc-terverifikasi")
    poc.keyboard.press("d")
    poc.wait_for_selector("#case-panel .badge[data-value=dispatched]")
    screens.shot(poc, "poc-didisposisikan")
    case.refresh_from_db()
    assert case.state == CaseStateChoices.DISPATCHED and case.agency == agency

    # 3. The agency admin assigns it to the URC team.
    opd = new_page(viewport=DESKTOP)
    _sign_in(opd, base, "admin-opd")
    assert opd.url.endswith("/opd/")
    opd.locator(f"a:has-text('{number}')").click()
    opd.select_option("select[name=team]", team.code)
    screens.shot(opd, "opd-memilih-tim")
    opd.locator("button[data-shortcut=a]").click()
    opd.wait_for_selector("#case-panel .badge[data-value=assigned]")
    screens.shot(opd, "opd-ditugaskan")

    # 4. The URC officer, on a phone, starts work and resolves it with a photo taken on the spot.
    urc = new_page(viewport=PHONE)
    _sign_in(urc, base, "petugas-urc")
    assert urc.url.endswith("/urc/")
    screens.shot(urc, "urc-daftar-tugas")
    urc.locator(f".urc-card a:has-text('{number}')").click()
    urc.get_by_role("button", name="Mulai dikerjakan").click()
    urc.wait_for_selector("[data-resolve-form]")
    urc.set_input_files("input[name=proof_photo]", _photo_file("bukti.jpg"))
    urc.fill("textarea[name=note]", "Tutup saluran baru sudah dipasang.")
    screens.shot(urc, "urc-mengisi-penyelesaian")
    urc.locator("[data-submit]").click()
    urc.wait_for_selector("header .badge[data-value=resolved]")
    screens.shot(urc, "urc-selesai")
    case.refresh_from_db()
    assert case.state == CaseStateChoices.RESOLVED
    assert case.attachments.filter(kind="proof_photo").count() == 1

    # 5. The citizen opens the private link, sees it resolved, confirms, and the case is closed.
    citizen.goto(private_url)
    citizen.wait_for_selector("#form-confirm")
    screens.shot(citizen, "warga-melihat-selesai")
    citizen.locator("#form-confirm button[type=submit]").click()
    citizen.wait_for_load_state()
    screens.shot(citizen, "warga-menutup-laporan")
    case.refresh_from_db()
    assert case.state == CaseStateChoices.CLOSED
