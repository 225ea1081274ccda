"""The URC officer's task map in a real browser at 360 px: the city's base map (street tiles from a local tile server)
under the tasks, and the kelurahan polygons when tiles cannot be loaded, instead of dots on a blank grey square."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.choices import RoleChoices
from patriot.cases.choices import CaseStateChoices
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import PHONE, sign_in
from tests.factories import case_through, give_authenticator, make_agency, make_category, make_team, staff
from tests.stub_servers import TileStub, serving

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30_000
PASSWORD = "rahasia-uji-2026"


@pytest.fixture
def officer() -> tuple[str, str]:
    load_reference_areas()
    reset_area_index()
    agency = make_agency("dbmsda")
    team = make_team(agency, "urc-jalan")
    category = make_category(default_agency=agency)
    case_through(CaseStateChoices.ASSIGNED, category=category, agency=agency, team=team)
    user = staff(RoleChoices.URC_OFFICER, team=team)
    user.set_password(PASSWORD)
    user.save()
    return user.username, give_authenticator(user)


@pytest.mark.parametrize("failing", [False, True], ids=["tiles", "tiles-fail"])
def test_the_task_map_has_the_city_base_map_and_falls_back_to_the_polygons(
    officer: tuple[str, str], live_server: Any, new_page: Any, screens: Any, settings: Any, failing: bool
) -> None:
    username, secret = officer
    with serving(TileStub(failing=failing)) as tiles:
        settings.PATRIOT_TILE_URL = tiles.url
        page = new_page(viewport=PHONE, locale="id-ID")
        sign_in(page, live_server.url, username, PASSWORD, secret)
        page.goto(f"{live_server.url}/urc/")
        task_map = page.locator("[data-urc-map]")
        expect(task_map).to_have_attribute("data-tiles", "failed" if failing else "on", timeout=WAIT)
        expect(task_map.locator("path.leaflet-interactive").first).to_be_attached(timeout=WAIT)  # polygons, task dot
        if failing:
            expect(page.locator("[data-tiles-failed]")).to_contain_text("batas kelurahan")
        else:
            expect(page.locator("[data-urc-map] .leaflet-control-attribution")).to_contain_text("OpenStreetMap")
            assert tiles.requests > 0
        screens.shot(page, "urc-map-" + ("tiles-fail" if failing else "tiles"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
