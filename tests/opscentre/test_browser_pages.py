"""The ops-centre pages in a real browser (Chromium at 1366 px, Indonesian and English): "Beri disposisi" opens the
instruction form with the cursor in it, long category names on the dashboard chart stay readable, and the weekly
summary prints on two A4 pages with its labels and figures on one line.

Served by uvicorn in a thread of this process (it shares the test database), as in test_browser.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from datetime import time as clock_time
from typing import Any

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, User
from patriot.accounts.services import load_agencies
from patriot.cases import services
from patriot.cases.choices import ChannelChoices
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.geo.lookup import reset_area_index
from patriot.geo.models import Village
from patriot.geo.services import load_reference_areas
from patriot.opscentre import queries
from tests.browser import DESKTOP, WAIT_SECONDS, Screens, serve_in_thread, sign_in
from tests.factories import give_authenticator, make_case, make_category, make_team, photo, staff
from tests.opscentre.test_browser import PASSWORD, _user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PORTS = range(18851, 18900)
LONG_NAME = "Aplikasi dan layanan daring Pemkot"
LONGER_NAME = "Gangguan jaringan internet gratis di ruang publik dan kantor kelurahan se-Kota Bekasi"
LABEL_WIDTH = 24  # dashboard.js CATEGORY_LABEL_WIDTH


@pytest.fixture
def server(settings: Settings) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    with serve_in_thread(PORTS) as base:
        yield base


@pytest.fixture
def city() -> None:
    load_reference_areas()
    reset_area_index()
    load_agencies()


def _wait_for(page: Any, expression: str, timeout: float = WAIT_SECONDS) -> None:
    """Poll `expression` with page.evaluate (wait_for_function evaluates strings, which our CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def _open_page(new_page: Any, base: str, username: str, locale: str, **options: Any) -> Any:
    page = new_page(viewport=DESKTOP, locale=locale, **options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.errors = errors
    # Every page here is a supervisor's or the mayor's: both sign in with a second factor.
    sign_in(page, base, username, PASSWORD, give_authenticator(User.objects.get(username=username)))
    if locale.startswith("en"):  # pages follow the header's language switch (its cookie), not the browser
        page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    return page


def _assert_language(page: Any, locale: str) -> None:
    assert page.evaluate("document.documentElement.lang") == locale[:2]


@pytest.mark.parametrize("locale", ["id-ID", "en-GB"])
def test_beri_disposisi_opens_the_form_with_the_cursor_in_it(
    server: str, city: None, new_page: Any, screens: Screens, locale: str
) -> None:
    agency = Agency.objects.get(code="dbmsda")
    case = make_case(make_category(default_agency=agency), channel=ChannelChoices.SOROT, title="Jalan amblas")
    _user("walikota", RoleChoices.MAYOR)
    page = _open_page(new_page, server, "walikota", locale)
    page.goto(f"{server}/walikota/")
    _assert_language(page, locale)
    link = page.locator(f"#mayor-cases tr[data-number='{case.tracking_number}'] a[href*='disposisi=1']")
    link.click()
    page.wait_for_load_state()
    _wait_for(page, "document.activeElement && document.activeElement.id === 'instruct-text'")
    assert page.evaluate("document.querySelector('#disposisi details.instruct-form').open")
    box = page.locator("#instruct-text").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= DESKTOP["height"]  # on screen
    screens.shot(page, f"disposisi-terbuka-{locale}")
    page.keyboard.type("Mohon segera ditangani.")
    page.locator("#disposisi form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Mohon segera ditangani." in page.locator("#disposisi").inner_text()
    assert not page.errors, page.errors


@pytest.mark.parametrize("locale", ["id-ID", "en-GB"])
def test_long_category_names_on_the_dashboard_chart_wrap_within_the_canvas(
    server: str, city: None, new_page: Any, screens: Screens, locale: str
) -> None:
    long = make_category("aplikasi-daring", name=LONG_NAME, name_en="City apps and online services of the city")
    longer = make_category("internet-publik", name=LONGER_NAME, name_en=LONGER_NAME)
    short = make_category("halte", name="Halte rusak", name_en="Damaged bus shelter")
    for category, count in ((long, 3), (longer, 2), (short, 1)):
        for _ in range(count):
            make_case(category)
    _user("supervisor", RoleChoices.POC_SUPERVISOR)
    page = _open_page(new_page, server, "supervisor", locale)
    page.goto(f"{server}/poc/dasbor/")
    _assert_language(page, locale)
    _wait_for(page, "!!(window.Chart && Chart.getChart(document.querySelector('[data-chart=categories]')))")
    chart = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector('[data-chart=categories]'));
          const scale = chart.scales.y;
          const ctx = chart.ctx;
          const font = scale.options.ticks.font;
          ctx.font = `${font.size || Chart.defaults.font.size}px ${font.family || Chart.defaults.font.family}`;
          const ticks = scale.ticks.map(tick => [].concat(tick.label));
          const widest = Math.max(...ticks.flat().map(line => ctx.measureText(line).width));
          return {labels: chart.data.labels, ticks: ticks, widest: widest, right: scale.right, left: scale.left};
        }"""
    )
    english = locale.startswith("en")
    full = [long.name_en, longer.name_en, short.name_en] if english else [long.name, longer.name, short.name]
    # The full names stay the chart's labels (the tooltip's title); the axis shows them in short lines.
    assert chart["labels"] == full
    for lines in chart["ticks"]:
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= LABEL_WIDTH for line in lines), lines
    assert " ".join(chart["ticks"][0]) == full[0]
    assert chart["ticks"][1][-1].endswith("…")  # too long for two lines: cut at the end, not the start
    assert full[1].startswith(" ".join(chart["ticks"][1])[:-1])
    assert chart["ticks"][2] == [full[2]]
    assert chart["left"] >= 0
    assert chart["widest"] <= chart["right"]  # no label runs off the canvas's left edge
    page.locator("[data-chart=categories]").scroll_into_view_if_needed()
    screens.shot(page, f"grafik-kategori-{locale}")
    assert not page.errors, page.errors


def _resolved_case(category: Any, agency: Agency, village: Village, dispatched: datetime) -> None:
    with clock.pinned(dispatched):
        case = make_case(category, lat=village.centroid_lat, lon=village.centroid_lon)
        services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
        services.dispatch_case(case, by=staff(RoleChoices.POC_OPERATOR), agency=agency)
    team = make_team(agency)
    with clock.pinned(dispatched + timedelta(minutes=5)):
        services.assign_case(case, by=staff(RoleChoices.AGENCY_ADMIN, agency=agency), team=team)
        services.start_case(case, by=staff(RoleChoices.URC_OFFICER, team=team))
    with clock.pinned(dispatched + timedelta(hours=20)):
        services.resolve_case(
            case, by=staff(RoleChoices.URC_OFFICER, team=team), note="Selesai.", proof_photos=[photo(exif_gps=False)]
        )


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


@pytest.mark.parametrize("locale", ["id-ID", "en-GB"])
def test_weekly_summary_prints_on_two_pages_with_aligned_rows(
    server: str, city: None, new_page: Any, screens: Screens, locale: str
) -> None:
    monday = queries.last_full_week()
    zone = city_zone()
    agencies = list(Agency.objects.order_by("code")[:10])
    villages = list(Village.objects.order_by("code")[:12])
    categories = [make_category(f"kategori-cetak-{n}", name=f"Kategori cetak {n}") for n in range(10)]
    channels = [ChannelChoices.POT, ChannelChoices.SOROT]
    for n, village in enumerate(villages):
        for day in range(n % 3 + 1):
            with clock.pinned(datetime.combine(monday + timedelta(days=day), clock_time(9 + n), tzinfo=zone)):
                make_case(
                    categories[n % len(categories)],
                    channel=channels[n % len(channels)],
                    lat=village.centroid_lat,
                    lon=village.centroid_lon,
                )
    with clock.pinned(datetime.combine(monday - timedelta(days=2), clock_time(9), tzinfo=zone)):
        make_case(categories[0], channel=ChannelChoices.SOROT)
        make_case(categories[0], channel=ChannelChoices.SOROT)
    for n, agency in enumerate(agencies):
        _resolved_case(
            categories[n],
            agency,
            villages[n],
            datetime.combine(monday, clock_time(8), tzinfo=zone) + timedelta(hours=n),
        )
    _user("walikota", RoleChoices.MAYOR)
    page = _open_page(new_page, server, "walikota", locale)
    page.goto(f"{server}/poc/ringkasan/")
    _assert_language(page, locale)
    screens.shot(page, f"ringkasan-layar-{locale}")
    assert page.locator("[data-hotspots=areas] tbody tr").count() >= 1
    assert not re.search(r"\b8[0-9a-f]{14}\b", page.locator("main").inner_text())  # no raw h3 cell ids
    page.set_viewport_size({"width": 794, "height": 1123})  # an A4 page at 96 dpi, as page.pdf() lays it out
    page.emulate_media(media="print")
    screens.shot(page, f"ringkasan-cetak-{locale}")
    overflowing = page.evaluate(
        "Array.from(document.querySelectorAll('main table')).filter(t => t.getBoundingClientRect().right > 795)"
        ".map(t => t.querySelector('caption, th').textContent)"
    )
    assert not overflowing, overflowing  # every table fits the paper's width
    # Each row's label and figures sit on one line (a stretched table used to centre labels, figures at the top).
    offsets = page.evaluate(
        """() => Array.from(document.querySelectorAll('[data-table] tbody tr')).map(row => {
          const tops = Array.from(row.children).map(cell => {
            const range = document.createRange();
            range.selectNodeContents(cell);
            return range.getClientRects()[0].top;
          });
          return Math.max(...tops) - Math.min(...tops);
        })"""
    )
    assert offsets and max(offsets) <= 2, offsets
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('[data-table=channels] tbody tr')).map(r => r.getBoundingClientRect().height)"
    )
    assert max(heights) < 2.5 * min(heights), heights  # rows keep their own height
    pdf = page.pdf(format="A4")
    assert _pdf_pages(pdf) <= 2
    assert not page.errors, page.errors
