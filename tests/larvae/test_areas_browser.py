"""Dinkes' larva map at 1920 px (kelurahan coloured, RW points, dengue cases, the trend), and the POC dashboard's
larvae panel counting a positive inspection live, as an area."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import load_agencies
from patriot.cases.seed import load_categories
from patriot.geo.lookup import reset_area_index
from patriot.larvae import services
from patriot.larvae.demo import create_demo_inspections
from patriot.larvae.services.thresholds import seed_default_thresholds
from tests.browser import Screens, serve_in_thread, sign_in
from tests.factories import give_authenticator, load_areas
from tests.larvae.conftest import inspection_submission

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "rahasia-uji-2026"
PORTS = range(18700, 18800)
WIDE = {"width": 1920, "height": 1080}


@pytest.fixture
def asgi_server(settings: Settings, tmp_path: Path) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    settings.MEDIA_ROOT = tmp_path / "media"
    with serve_in_thread(PORTS) as base:
        yield base


def _user(username: str, role: str) -> User:
    user = User(username=username, role=role, first_name=username.title())
    user.set_password(PASSWORD)
    user.save()
    return user


def test_dinkes_map_and_the_poc_panel_live(asgi_server: str, new_page: Any, screens: Screens) -> None:
    load_areas()
    reset_area_index()
    load_agencies()
    load_categories()
    seed_default_thresholds()
    create_demo_inspections(weeks=10)
    base = asgi_server

    dinkes = new_page(viewport=WIDE)
    sign_in(dinkes, base, "dinkes", PASSWORD, give_authenticator(_user("dinkes", RoleChoices.HEALTH_OFFICER)))
    errors: list[str] = []
    dinkes.on("pageerror", lambda error: errors.append(str(error)))
    dinkes.goto(f"{base}/jumantik/wilayah/")
    dinkes.wait_for_selector("#larvae-map[data-loaded=true]")
    dinkes.wait_for_selector("#larvae-map path.leaflet-interactive")
    dinkes.wait_for_selector("#larvae-trend[data-loaded=true]")
    expect(dinkes.locator("[data-larvae-legend] li").first).to_contain_text("ABJ")
    screens.shot(dinkes, "peta-abj")
    dinkes.get_by_label("Density figure", exact=True).check()
    expect(dinkes.locator("[data-larvae-legend] li").first).to_contain_text("DF")
    screens.shot(dinkes, "peta-df")
    dinkes.set_viewport_size({"width": 360, "height": 740})
    dinkes.reload()
    dinkes.wait_for_selector("#larvae-map[data-loaded=true]")
    assert dinkes.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screens.shot(dinkes, "peta-360")
    assert not errors, errors

    poc = new_page(viewport=WIDE)
    sign_in(poc, base, "supervisor", PASSWORD, give_authenticator(_user("supervisor", RoleChoices.POC_SUPERVISOR)))
    poc.goto(f"{base}/poc/dasbor/")
    poc.wait_for_selector("[data-live-indicator][data-state=connected]")
    counter = poc.locator('[data-larvae="today-positive"]')
    before = int(counter.inner_text())
    panel_map = poc.locator("#larvae-map")
    poc.wait_for_selector("#larvae-map[data-loaded=true]")
    poc.wait_for_selector("#larvae-map path.leaflet-interactive")
    loads = panel_map.get_attribute("data-loads")
    jumantik = User.objects.create(username="jumantik-live", role=RoleChoices.JUMANTIK)
    started = time.monotonic()
    services.record_inspection(
        jumantik, inspection_submission(address="Jl. Rahasia No. 9", containers=[("drum", "outdoor", 2, 2)])
    )
    expect(counter).to_have_text(str(before + 1))
    took = time.monotonic() - started
    expect(panel_map).not_to_have_attribute("data-loads", loads or "")
    poc.locator("#larvae-panel-title").scroll_into_view_if_needed()
    screens.shot(poc, f"poc-panel-live-{took:.1f}s")
    assert "Jl. Rahasia" not in poc.content()
