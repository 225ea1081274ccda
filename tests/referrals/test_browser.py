"""The bed board and the hospital's phone page in a real browser at 360 px: a tap on the hospital's page changes
the public board open in another page at once, without a reload of either."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.referrals import services
from patriot.referrals.services import BedFigures
from tests.browser import DESKTOP, PHONE, Screens, serve_in_thread, sign_in
from tests.referrals.conftest import make_facility

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kata-sandi-perawat-2026"
PORTS = range(18960, 18990)


@pytest.fixture
def base(settings: Any) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    settings.PATRIOT_TILE_URL = ""  # no tile server: the map must still show the hospitals
    with serve_in_thread(PORTS) as url:
        yield url


@pytest.fixture
def nurse() -> User:
    hospital = make_facility("rsud-bekasi", "RSUD dr. Chasbullah Abdulmadjid")
    hospital.unit.latitude, hospital.unit.longitude = -6.2423, 107.0007
    hospital.unit.save()
    other = make_facility("rs-mitra-barat", "RS Mitra Keluarga Bekasi Barat")
    other.unit.latitude, other.unit.longitude = -6.2372, 106.9886
    other.unit.save()
    user = User(username="perawat-lina", role=RoleChoices.HOSPITAL_STAFF, unit=hospital.unit, first_name="Lina")
    user.set_password(PASSWORD)
    user.save()
    services.set_beds(user, hospital, "icu", BedFigures(total=12, occupied=9, queue=1))
    services.set_beds(user, hospital, "nicu", BedFigures(total=6, occupied=2))
    services.set_beds(user, hospital, "class_3", BedFigures(total=80, occupied=61, reserved=2))
    other_nurse = User.objects.create(username="perawat-2", role=RoleChoices.HOSPITAL_STAFF, unit=other.unit)
    services.set_beds(other_nurse, other, "icu", BedFigures(total=8, occupied=8))
    return user


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_tap_on_the_hospital_page_changes_the_public_board_live(
    nurse: User, base: str, new_page: Any, screens: Screens
) -> None:
    board = new_page(viewport=PHONE)
    board.goto(f"{base}/tempat-tidur/")
    expect(board.locator("#bed-board")).to_have_attribute("data-live", "1")
    board.evaluate("window.__sameBoard = true")
    icu_free = board.locator('tbody[data-hospital="rsud-bekasi"] tr[data-bed-type="icu"] [data-free]')
    expect(icu_free).to_have_text("3")
    # The map draws the hospitals on a plain background when no tile server is set.
    expect(board.locator("#bed-map.bed-map--no-tiles")).to_be_visible()
    expect(board.locator("#bed-map path.leaflet-interactive")).to_have_count(2)
    assert fits(board)
    screens.shot(board, "board 360 before")

    staff = new_page(viewport=PHONE)
    sign_in(staff, base, "perawat-lina", PASSWORD)
    # Hospital staff land on their incoming referrals; the bed page is one menu link away.
    expect(staff).to_have_url(re.compile(r"/rujukan/masuk/$"))
    staff.goto(f"{base}/rumah-sakit/tempat-tidur/")
    staff.evaluate("window.__samePage = true")
    icu = staff.locator('li[data-bed-type="icu"]')
    box = icu.get_by_role("button", name="Terpakai dikurangi satu").bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44  # a thumb's target
    assert fits(staff)
    screens.shot(staff, "hospital 360 before")

    icu.get_by_role("button", name="Terpakai dikurangi satu").click()
    expect(icu.locator('[data-figure="occupied"]')).to_have_text("8")
    expect(icu.locator('[data-figure="free"]')).to_have_text("4")
    assert staff.evaluate("window.__samePage === true")  # no reload
    screens.shot(staff, "hospital 360 after tap")

    expect(icu_free).to_have_text("4")
    # The live row's time is written as the server writes it, zone and all.
    updated = board.locator('tbody[data-hospital="rsud-bekasi"] tr[data-bed-type="icu"] [data-updated-label]')
    expect(updated).to_have_text(re.compile(r"^\d{2}-\d{2}-\d{4} \d{1,2}\.\d{2} WIB$"))
    assert board.evaluate("window.__sameBoard === true")  # the board changed without a reload
    screens.shot(board, "board 360 after tap")

    # A tap past what the ward holds is refused in words, and the figure goes back.
    for total in ("11", "10", "9", "8", "8"):
        icu.get_by_role("button", name="Jumlah dikurangi satu").click()
        expect(staff.locator(".bed-figure.busy")).to_have_count(0)
        expect(icu.locator('[data-figure="total"]')).to_have_text(total)
    expect(staff.locator("[data-tap-error]")).to_contain_text("tidak boleh melebihi")
    screens.shot(staff, "hospital 360 refused tap")


def test_the_board_filters_by_bed_type_without_script_and_on_a_wide_screen(
    nurse: User, base: str, new_page: Any, screens: Screens
) -> None:
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    page.goto(f"{base}/tempat-tidur/")
    page.select_option("#bed-type", "icu")
    page.get_by_role("button", name="Tampilkan").click()
    expect(page).to_have_url(re.compile(r"jenis=icu"))
    expect(page.locator("tbody tr[data-bed-type]")).to_have_count(2)
    # The hospital with free ICU beds comes first.
    expect(page.locator("tbody.bed-hospital").first).to_have_attribute("data-hospital", "rsud-bekasi")
    screens.shot(page, "board filtered without script")
    wide = new_page(viewport={"width": 1920, "height": 1080})
    wide.goto(f"{base}/tempat-tidur/")
    expect(wide.locator("#bed-map path.leaflet-interactive")).to_have_count(2)
    screens.shot(wide, "board 1920")


def test_dinkes_sees_the_occupancy_chart(nurse: User, base: str, new_page: Any, screens: Screens) -> None:
    from datetime import timedelta

    from patriot.core import clock
    from patriot.referrals.models import BedChange, BedCount

    # A month of history for the chart: the ICU filled up over the last weeks.
    icu = BedCount.objects.get(facility__unit__code="rsud-bekasi", bed_type="icu")
    now = clock.now()
    BedChange.objects.bulk_create(
        BedChange(
            bed_count=icu,
            total=12,
            occupied=4 + day // 4,
            reserved=0,
            queue=0,
            changed_at=now - timedelta(days=30 - day),
            source="api",
        )
        for day in range(30)
    )
    officer = User(username="dinkes-maya", role=RoleChoices.HEALTH_OFFICER, first_name="Maya")
    officer.set_password(PASSWORD)
    officer.save()
    page = new_page(viewport={"width": 1920, "height": 1080})
    sign_in(page, base, "dinkes-maya", PASSWORD)
    page.goto(f"{base}/dinkes/")
    expect(page.get_by_role("heading", name="Dasbor Dinkes")).to_be_visible()
    # Chart.js drew on the canvas (it sizes it to its box).
    expect(page.locator("#bed-occupancy-chart")).to_have_attribute("style", re.compile("width"))
    screens.shot(page, "dinkes 1920")
    phone = new_page(viewport=PHONE)
    sign_in(phone, base, "dinkes-maya", PASSWORD)
    phone.goto(f"{base}/dinkes/?rs=rsud-bekasi")
    expect(phone.locator("#bed-occupancy-chart")).to_have_attribute("style", re.compile("width"))
    assert fits(phone)
    screens.shot(phone, "dinkes 360 one hospital")
