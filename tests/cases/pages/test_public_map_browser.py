"""The public map in a phone's browser: clusters with counts that split up when tapped, down to the reports
themselves; the confidential ones never drawn nor counted (no street tiles here: the kelurahan polygons are the map)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.services import load_agencies
from patriot.cases import queries
from patriot.cases.models import Category
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import PHONE
from tests.factories import BINTARA, MARGAHAYU, make_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def city(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_agencies()
    load_reference_areas()
    load_categories()
    reset_area_index()


def _counts(page: Any) -> list[int]:
    texts = page.locator("#public-map .cell-marker").all_inner_texts()
    return sorted(int(text.replace(".", "").replace(",", "")) for text in texts)


def test_clusters_split_when_tapped_down_to_the_reports(
    city: None, live_server: Any, new_page: Any, screens: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    category = Category.objects.get(code="jalan-berlubang")
    lat, lon = MARGAHAYU
    # Two groups of three public reports 500 m apart, and two confidential reports in Bintara.
    for dlat, dlon in [
        (0, 0),
        (-0.0001, 0.0001),
        (-0.0002, -0.0001),
        (-0.004, 0.004),
        (-0.0041, 0.0041),
        (-0.004, 0.0042),
    ]:
        make_case(category, lat=lat + dlat, lon=lon + dlon, attributes={"kedalaman": "dalam"})
    for _ in range(2):
        make_case(category, lat=BINTARA[0], lon=BINTARA[1], attributes={"kedalaman": "dalam"}, is_confidential=True)

    page = new_page(viewport=PHONE, locale="id-ID")
    page.goto(f"{live_server.url}/peta/")
    element = page.locator("#public-map")
    # The whole city: one cluster of the six public reports (the confidential ones counted nowhere).
    expect(element).to_have_attribute("data-shown", "clusters")
    expect(page.locator("#public-map .cell-marker")).to_have_count(1)
    assert _counts(page) == [6]
    expect(page.locator("[data-map-status]")).to_contain_text("6 laporan di sekitar sini")
    screens.shot(page, "city")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # A tap zooms to the cluster's reports, where it splits into the two groups.
    page.locator("#public-map .cell-marker").first.click()
    expect(page.locator("#public-map .cell-marker")).to_have_count(2)
    assert _counts(page) == [3, 3]
    screens.shot(page, "street")

    # More taps, each closer, until a group alone is in view, drawn as its reports.
    for _tap in range(4):
        if element.get_attribute("data-shown") == "points":
            break
        zoom = float(element.get_attribute("data-zoom") or 0)
        page.locator("#public-map .cell-marker").first.click()
        expect(element).not_to_have_attribute("data-zoom", str(int(zoom)) if zoom.is_integer() else str(zoom))
        page.wait_for_function(
            "() => !document.querySelector('#public-map').hasAttribute('data-loading')", timeout=45_000
        )
    expect(element).to_have_attribute("data-shown", "points")
    expect(page.locator("#public-map .cell-marker")).to_have_count(0)
    expect(page.locator("#public-map .leaflet-marker-icon").first).to_be_visible()
    assert float(element.get_attribute("data-zoom") or 0) >= 17
    screens.shot(page, "reports")
