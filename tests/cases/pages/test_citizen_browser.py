"""A citizen in a real browser: reporting from a phone, the form in English, a refused upload, the private page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from patriot.accounts.services import load_agencies
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import DESKTOP, PHONE, HeldRequests
from tests.factories import case_through

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def city(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_agencies()
    load_reference_areas()
    load_categories()
    reset_area_index()


def _jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "jalan.jpg"
    Image.new("RGB", (320, 240), (120, 90, 60)).save(path, "JPEG")
    return path


def _fill_report(page: Any, description: str) -> None:
    page.locator("summary", has_text=re.compile("Jalan, drainase|Roads, drainage")).click()
    page.locator("input[name=category][value=jalan-berlubang]").check()
    page.locator("#id_atribut_kedalaman").select_option("dalam")
    page.fill("#id_description", description)
    # Tap a kelurahan polygon: its middle lies inside the city.
    page.locator("#report-map path.leaflet-interactive").nth(20).click()
    expect(page.locator("[data-location-readout]")).to_contain_text(re.compile("Kelurahan|Village"))


def test_citizen_reports_from_a_phone(
    city: None, live_server: Any, new_page: Any, screens: Any, tmp_path: Path
) -> None:
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    screens.shot(page, "form")
    _fill_report(page, "Lubang besar di depan sekolah, motor sering jatuh.")
    page.set_input_files("#id_photos", str(_jpeg(tmp_path)))
    page.wait_for_selector("[data-photo-previews] img")
    page.fill("#id_reporter_name", "Siti Aminah")
    page.fill("#id_reporter_phone", "081234567890")
    screens.shot(page, "filled")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r"/lapor/terkirim/"))
    number = page.locator("#tracking-number").inner_text().strip()
    assert re.fullmatch(r"BKS-\d{4}-\d{6}", number)
    private_url = page.input_value("#private-url")
    assert f"/lacak/{number}/?kunci=" in private_url
    assert "Diverifikasi paling lambat" in page.content() or "diverifikasi paling lambat" in page.content()
    screens.shot(page, "sent")
    case = Case.objects.get(tracking_number=number)
    assert case.channel == "pot" and case.village.name and case.attachments.count() == 1
    assert services.reporter_key_matches(case, private_url.split("kunci=")[1])
    # The scroll width tells whether anything overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_category_chosen_before_the_scripts_ran_still_shows_its_questions(
    city: None, live_server: Any, new_page: Any, screens: Any
) -> None:
    """A slow phone: the form is on screen and the citizen taps a category while htmx is still loading."""
    page = new_page(viewport=PHONE, locale="id-ID")
    htmx = HeldRequests(page, "**/vendor/htmx/htmx.min.js")
    page.goto(f"{live_server.url}/lapor/", wait_until="commit")
    page.locator("summary", has_text="Jalan, drainase").click()
    page.locator("input[name=category][value=jalan-berlubang]").check()
    assert page.evaluate("typeof window.htmx") == "undefined"  # nobody listened to that choice
    htmx.release()
    expect(page.locator("#id_atribut_kedalaman")).to_be_visible()
    screens.shot(page, "questions-after-a-slow-start")


def test_the_form_in_english(city: None, live_server: Any, new_page: Any, screens: Any) -> None:
    page = new_page(viewport=DESKTOP, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    assert page.locator("label[for=id_description]").inner_text().startswith("Apa yang terjadi?")
    page.locator(".language-switch button[value=en]").click()
    page.wait_for_load_state()
    assert page.locator("label[for=id_description]").inner_text().startswith("What happened?")
    assert "Use my location" in page.locator("[data-use-my-location]").inner_text()
    assert page.locator("html").get_attribute("lang") == "en"
    screens.shot(page, "english")


def test_a_refused_upload_keeps_the_typed_text(
    city: None, live_server: Any, new_page: Any, screens: Any, tmp_path: Path
) -> None:
    fake = tmp_path / "foto.jpg"
    fake.write_text("ini bukan foto")
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    description = "Saluran tersumbat sampah, air meluap ke jalan."
    _fill_report(page, description)
    page.set_input_files("#id_photos", str(fake))
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_selector("#form-errors")
    error = page.locator("#id_photos_error")
    assert "bukan foto" in error.inner_text()
    assert page.input_value("#id_description") == description
    assert page.locator("input[name=category][value=jalan-berlubang]").is_checked()
    assert page.input_value("#id_atribut_kedalaman") == "dalam"
    assert Case.objects.count() == 0
    screens.shot(page, "refused")


def test_the_reporter_confirms_and_disputes(city: None, live_server: Any, new_page: Any, screens: Any) -> None:
    to_confirm = case_through(CaseStateChoices.RESOLVED, reporter_name="Budi", reporter_phone="0811-1111-111")
    to_dispute = case_through(CaseStateChoices.RESOLVED, category=to_confirm.category, is_confidential=True)
    page = new_page(viewport=PHONE, locale="id-ID")

    page.goto(f"{live_server.url}/lacak/{to_confirm.tracking_number}/?kunci={services.reporter_key_for(to_confirm)}")
    assert page.url == f"{live_server.url}/lacak/{to_confirm.tracking_number}/"  # the key left the address bar
    assert "+62811111111" in page.content()  # stored and shown in E.164
    screens.shot(page, "private-page")
    page.get_by_role("button", name=re.compile("sudah beres")).click()
    page.wait_for_selector(".message--success")
    assert "Ditutup" in page.locator(".case-head").inner_text()
    screens.shot(page, "confirmed")
    to_confirm.refresh_from_db()
    assert to_confirm.state == CaseStateChoices.CLOSED

    page.goto(f"{live_server.url}/lacak/{to_dispute.tracking_number}/?kunci={services.reporter_key_for(to_dispute)}")
    page.get_by_role("button", name="Buka kembali laporan").click()
    assert page.locator("#dispute_reason_error").count() == 1 or page.locator("#dispute_reason:invalid").count() == 1
    page.fill("#dispute_reason", "Lubangnya masih ada, hanya ditimbun tanah.")
    page.get_by_role("button", name="Buka kembali laporan").click()
    page.wait_for_selector(".message--success")
    screens.shot(page, "disputed")
    to_dispute.refresh_from_db()
    assert to_dispute.state == CaseStateChoices.IN_PROGRESS
