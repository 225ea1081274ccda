"""The public case page in a real browser (issue 14, item 10): a handled public case shows the reporter's photo
("before") beside the field team's proof photo ("after"), both actually loaded, at 360 px and on a 1920 px
control-room screen, in both languages; a confidential case's number shows the branded "not found" page and no
photo at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.services import load_agencies
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Category
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import PHONE
from tests.factories import case_through, photo

pytestmark = pytest.mark.django_db(transaction=True)
CONTROL_ROOM = {"width": 1920, "height": 1080}


@pytest.fixture
def city(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # No street tiles in tests: the page falls back to the kelurahan outlines.
    settings.PATRIOT_TILE_URL = ""
    load_agencies()
    load_reference_areas()
    load_categories()
    reset_area_index()


def _handled(*, confidential: bool) -> str:
    """A closed pothole report filed without a title, with the reporter's photo and the URC's proof photo."""
    case = case_through(
        CaseStateChoices.CLOSED,
        category=Category.objects.get(code="jalan-berlubang"),
        attributes={"kedalaman": "dalam"},
        photos=[photo("lubang.jpg")],
        is_confidential=confidential,
    )
    assert case.attachments.filter(kind="report_photo").exists()
    assert case.attachments.filter(kind="proof_photo").exists()
    return case.tracking_number


def _loaded_widths(page: Any, side: str) -> list[int]:
    return page.evaluate(
        "side => [...document.querySelectorAll(`[data-photos=${side}] img`)].map(i => i.complete ? i.naturalWidth : 0)",
        side,
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_handled_public_case_shows_before_and_after_and_a_confidential_one_shows_nothing(
    city: None, live_server: Any, new_page: Any, screens: Any, language: str
) -> None:
    english = language == "en"
    public = _handled(confidential=False)
    confidential = _handled(confidential=True)
    for size, viewport in (("phone", PHONE), ("control-room", CONTROL_ROOM)):
        page = new_page(viewport=viewport, locale="en-GB" if english else "id-ID")
        page.goto(f"{live_server.url}/lacak/{public}/")
        if english:
            page.locator(".language-switch button[value=en]").click()
            page.wait_for_load_state()
        # Headed by the category in the reader's language (the report has no title of its own).
        expect(page.locator("h1").first).to_have_text("Pothole" if english else "Jalan berlubang")
        pair = page.locator(".before-after")
        expect(pair).to_be_visible()
        expect(pair.locator("figcaption").nth(0)).to_have_text(
            "Before: the reporter's photo" if english else "Sebelum: foto dari pelapor"
        )
        expect(pair.locator("figcaption").nth(1)).to_have_text(
            "After: the field team's proof photo" if english else "Sesudah: foto bukti dari petugas"
        )
        before = page.locator('[data-photos="before"] img')
        after = page.locator('[data-photos="after"] img')
        expect(before).to_have_count(1)
        expect(after).to_have_count(1)
        before.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-photos] img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        assert _loaded_widths(page, "before")[0] > 0 and _loaded_widths(page, "after")[0] > 0
        # Nothing sticks out sideways, on the phone or on the wall screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if size == "control-room":
            # Side by side on a wide screen: the "after" photo is to the right of the "before" one, level with it.
            b, a = before.bounding_box(), after.bounding_box()
            assert b is not None and a is not None
            assert a["x"] > b["x"] + b["width"] - 1 and abs(a["y"] - b["y"]) < 2
        screens.shot(page, f"{language}-{size}-before-after")

        # A confidential case's number: the branded page, in the reader's language, a way back, no photo.
        response = page.goto(f"{live_server.url}/lacak/{confidential}/")
        assert response is not None and response.status == 404
        expect(page.locator("h1").first).to_have_text("Page not found" if english else "Halaman tidak ditemukan")
        expect(page.locator("main")).to_contain_text(confidential)
        expect(page.locator("main a[href='/']").first).to_be_visible()
        assert page.locator("[data-photos], main img").count() == 0
        screens.shot(page, f"{language}-{size}-confidential")
        page.context.close()
