"""The report form in a real browser at 360 px, in both languages (issue 14, items 1–3): a street found by name on
a street map from a local tile server, the polygons when tiles fail, a colloquial category, a refused submit that
keeps the text and the photos."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from patriot.accounts.services import load_agencies
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import PHONE
from tests.stub_servers import TileStub, serving

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30_000


@pytest.fixture
def city(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_agencies()
    load_reference_areas()
    load_categories()
    reset_area_index()


def _jpeg(tmp_path: Path) -> Path:
    path = tmp_path / "got.jpg"
    Image.new("RGB", (320, 240), (60, 90, 120)).save(path, "JPEG")
    return path


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_street_by_name_a_colloquial_category_and_a_refused_submit_keeping_text_and_photos(
    city: None, live_server: Any, new_page: Any, screens: Any, tmp_path: Path, settings: Any, language: str
) -> None:
    english = language == "en"
    with serving(TileStub()) as tiles:
        settings.PATRIOT_TILE_URL = tiles.url
        page = new_page(viewport=PHONE, locale="en-GB" if english else "id-ID")
        page.goto(f"{live_server.url}/lapor/")
        if english:
            page.locator(".language-switch button[value=en]").click()
            page.wait_for_load_state()
        expect(page.locator("#report-map")).to_have_attribute("data-tiles", "on", timeout=WAIT)
        expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap", timeout=WAIT)
        # A colloquial category, typed as people say it.
        page.fill("[data-category-search]", "got mampet")
        option = page.locator(".category-option[data-category-code=saluran-tersumbat]")
        expect(option).to_be_visible(timeout=WAIT)
        expect(page.locator(".category-option[data-category-code=jalan-berlubang]")).to_be_hidden()
        # One match is counted in the singular ("1 matching category", not "1 matching categories").
        expect(page.locator("[data-category-search-result]")).to_have_text(
            "1 matching category" if english else "1 kategori cocok", timeout=WAIT
        )
        screens.shot(page, f"{language}-category-search")
        option.click()
        expect(page.locator("#attributes fieldset.attributes")).to_be_visible(timeout=WAIT)
        # The questions sit right under the chosen category.
        assert (
            page.evaluate(
                "document.querySelector('.category-option[data-category-code=saluran-tersumbat]').nextElementSibling.id"
            )
            == "attributes"
        )
        # Nothing matches: the list says so and offers "Lainnya".
        page.fill("[data-category-search]", "xyzzy qwrtp")
        expect(page.locator("[data-category-search-result]")).to_contain_text(
            "Other / not sure" if english else "Lainnya / tidak tahu", timeout=WAIT
        )
        expect(page.locator(".category-option[data-category-code=lainnya]")).to_be_visible()
        screens.shot(page, f"{language}-no-category-matches")
        page.fill("[data-category-search]", "")
        # A street found by name.
        page.fill("[data-place-search-input]", "ahmad yani")
        result = page.locator("[data-place-search-results] button", has_text="Ahmad Yani")
        expect(result).to_be_visible(timeout=WAIT)
        screens.shot(page, f"{language}-street-search")
        chosen_place = result.inner_text().strip()
        result.click()
        expect(page.locator("[data-location-readout]")).to_contain_text(re.compile("Kelurahan|Village"), timeout=WAIT)
        assert tiles.requests > 0
        # A refused submit (no description): the text and the photo survive.
        page.set_input_files("#id_photos", str(_jpeg(tmp_path)))
        page.fill("#id_address", "Depan warung Bu Ida")
        page.locator("[data-submit]").click()
        page.wait_for_selector("#form-errors", timeout=WAIT)
        summary = page.locator("#form-errors").inner_text()
        assert "[" not in summary
        assert page.input_value("#id_address") == "Depan warung Bu Ida"
        # The place search keeps what it held, beside the pin that stays.
        assert page.input_value("[data-place-search-input]") == chosen_place
        expect(page.locator("#report-map .leaflet-marker-icon")).to_have_count(1, timeout=WAIT)
        expect(page.locator("[data-held-photos]")).to_contain_text("got.jpg")
        screens.shot(page, f"{language}-refused-keeps-photo")
        page.fill("#id_description", "Got mampet, air meluap ke jalan kalau hujan.")
        page.locator("[data-submit]").click()
        page.wait_for_url(re.compile(r"/lapor/terkirim/"), timeout=WAIT)
        screens.shot(page, f"{language}-sent")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    case = Case.objects.get()
    assert case.category.code == "saluran-tersumbat" and case.attachments.count() == 1


def test_when_tiles_fail_the_map_falls_back_to_the_kelurahan_polygons(
    city: None, live_server: Any, new_page: Any, screens: Any, settings: Any
) -> None:
    with serving(TileStub(failing=True)) as tiles:
        settings.PATRIOT_TILE_URL = tiles.url
        page = new_page(viewport=PHONE, locale="id-ID")
        page.goto(f"{live_server.url}/lapor/")
        expect(page.locator("#report-map")).to_have_attribute("data-tiles", "failed", timeout=WAIT)
        expect(page.locator("[data-tiles-failed]")).to_contain_text("batas kelurahan")
        expect(page.locator("#report-map path.leaflet-interactive").first).to_be_visible(timeout=WAIT)
        screens.shot(page, "tiles-failed")


def test_when_the_tile_server_hangs_the_map_falls_back_too(
    city: None, live_server: Any, new_page: Any, settings: Any
) -> None:
    with serving(TileStub(hanging=True)) as tiles:
        settings.PATRIOT_TILE_URL = tiles.url
        page = new_page(viewport=PHONE, locale="id-ID")
        page.goto(f"{live_server.url}/lapor/")
        # No tile ever answers (and none fails): after the wait the kelurahan polygons become the base map.
        expect(page.locator("#report-map")).to_have_attribute("data-tiles", "failed", timeout=WAIT)
        expect(page.locator("[data-tiles-failed]")).to_contain_text("batas kelurahan")
        assert tiles.requests > 0


def _unreachable_tile_url() -> str:
    """A local port nobody listens on: every tile request is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"


def _inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


def test_without_tiles_a_place_found_by_name_keeps_the_kelurahan_outline_and_its_popup_in_view(
    city: None, live_server: Any, new_page: Any, screens: Any, settings: Any
) -> None:
    settings.PATRIOT_TILE_URL = _unreachable_tile_url()
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    expect(page.locator("#report-map")).to_have_attribute("data-tiles", "failed", timeout=WAIT)
    expect(page.locator("#report-map path.leaflet-interactive").first).to_be_visible(timeout=WAIT)
    page.fill("[data-place-search-input]", "ahmad yani")
    result = page.locator("[data-place-search-results] button", has_text="Ahmad Yani")
    expect(result).to_be_visible(timeout=WAIT)
    name = result.inner_text().strip()
    result.click()
    popup = page.locator("#report-map .leaflet-popup-content")
    expect(popup).to_have_text(name, timeout=WAIT)
    expect(page.locator("[data-location-readout]")).to_contain_text("Kelurahan", timeout=WAIT)
    page.wait_for_timeout(500)  # the popup's auto-pan settles
    screens.shot(page, "no-tiles-place-chosen")
    map_box = page.locator("#report-map").bounding_box()
    # Never closer than the fallback's limit (a street map would show the place at zoom 17).
    assert float(page.locator("#report-map").get_attribute("data-zoom") or "99") <= 15
    # The whole popup shows inside the map, its top included.
    popup_box = page.locator("#report-map .leaflet-popup").bounding_box()
    assert _inside(popup_box, map_box)
    # ... and clear of the zoom buttons.
    zoom_box = page.locator("#report-map .leaflet-control-zoom").bounding_box()
    assert popup_box["x"] >= zoom_box["x"] + zoom_box["width"] or popup_box["y"] >= zoom_box["y"] + zoom_box["height"]
    # A kelurahan's outline is in view: some polygon has an edge inside the map, rather than every polygon in view
    # covering the whole map (a view zoomed in too far for any boundary to show).
    boxes = [
        page.locator("#report-map path.leaflet-interactive").nth(i).bounding_box()
        for i in range(page.locator("#report-map path.leaflet-interactive").count())
    ]
    in_view = [
        box
        for box in boxes
        if box
        and box["x"] < map_box["x"] + map_box["width"]
        and box["x"] + box["width"] > map_box["x"]
        and box["y"] < map_box["y"] + map_box["height"]
        and box["y"] + box["height"] > map_box["y"]
    ]
    assert in_view
    assert any(not _inside(map_box, box, slack=-1.0) for box in in_view)


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_look_alike_place_is_offered_as_such_never_as_the_street_typed(
    city: None, live_server: Any, new_page: Any, screens: Any, settings: Any, language: str
) -> None:
    """Typos are forgiven, so a street the gazetteer lacks ("kalimalang") brings only look-alikes ("Kaliabang
    Tengah", kilometres away): the status says no place bears that name, so the citizen does not take it for theirs."""
    settings.PATRIOT_TILE_URL = _unreachable_tile_url()
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    if language == "en":
        page.locator(".language-switch button[value=en]").click()
        page.wait_for_load_state()
    status = page.locator("[data-place-search-status]")
    page.fill("[data-place-search-input]", "kalimalang")
    expect(page.locator("[data-place-search-results] button").first).to_contain_text("Kaliabang", timeout=WAIT)
    expect(status).to_contain_text(
        "No place has exactly that name" if language == "en" else "Tidak ada tempat yang persis bernama begitu"
    )
    screens.shot(page, f"{language}-look-alike-place")
    # A name that is there (a prefix of it, as typed) says nothing of the kind.
    page.fill("[data-place-search-input]", "ahmad yan")
    expect(page.locator("[data-place-search-results] button", has_text="Ahmad Yani")).to_be_visible(timeout=WAIT)
    expect(status).to_have_text("")


def test_the_places_found_for_earlier_words_go_as_soon_as_the_citizen_types_again(
    city: None, live_server: Any, new_page: Any, screens: Any, settings: Any
) -> None:
    """The list found for the old words must not stand under the new ones, not even while the search waits for the
    typing to pause, or a quick tap puts the pin at the old place (seen in the newcomer walk: "kalimalang", then
    "ahmad yani" and a tap on the first button gave Kaliabang Tengah)."""
    settings.PATRIOT_TILE_URL = _unreachable_tile_url()
    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/lapor/")
    results = page.locator("[data-place-search-results] button")
    page.fill("[data-place-search-input]", "kalimalang")
    expect(results.first).to_contain_text("Kaliabang", timeout=WAIT)
    expect(page.locator("[data-place-search-status]")).not_to_have_text("")

    def slow(route: Any) -> None:
        page.wait_for_timeout(2000)
        route.continue_()

    page.route("**/api/v1/areas/places*", slow)
    page.fill("[data-place-search-input]", "ahmad yani")
    # At once (the same moment as the keystroke, before the search even starts): no old button, no old status.
    left = page.evaluate(
        """() => [document.querySelectorAll('[data-place-search-results] button').length,
                  document.querySelector('[data-place-search-status]').textContent]"""
    )
    assert left == [0, ""], left
    expect(results.first).to_contain_text("Ahmad Yani", timeout=WAIT)
    results.first.click()
    expect(page.locator("[data-location-readout]")).not_to_contain_text("Kaliabang")
    screens.shot(page, "new-words-new-places")
