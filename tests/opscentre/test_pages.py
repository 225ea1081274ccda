"""The ops-centre pages: who may open them, what they show, CSP-clean markup, drill-down links."""

from __future__ import annotations

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, User
from patriot.cases.choices import ChannelChoices
from tests.core.test_layout import csp_problems
from tests.factories import case_through, make_agency, make_case, make_category, make_user

pytestmark = pytest.mark.usefixtures("areas")
Role = RoleChoices


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agency() -> Agency:
    return make_agency("dbmsda", short_name="DBMSDA")


@pytest.mark.parametrize(
    ("role", "dashboard", "mayor", "weekly"),
    [
        (Role.POC_OPERATOR, 200, 403, 200),
        (Role.POC_SUPERVISOR, 200, 200, 200),
        (Role.MAYOR, 200, 200, 200),
        (Role.SYSTEM_ADMIN, 200, 200, 200),
        (Role.CALLCENTRE_OPERATOR, 403, 403, 200),
        (Role.AGENCY_ADMIN, 403, 403, 403),
        (Role.URC_OFFICER, 403, 403, 403),
        (Role.CITIZEN, 403, 403, 403),
    ],
)
def test_who_may_open_the_pages(role: str, dashboard: int, mayor: int, weekly: int, agency: Agency) -> None:
    client = client_for(make_user(role, agency=agency if role == Role.AGENCY_ADMIN else None))
    assert client.get("/poc/dasbor/").status_code == dashboard
    assert client.get("/poc/dasbor/angka/").status_code == dashboard
    assert client.get("/poc/dasbor/peta.json").status_code == dashboard
    assert client.get("/poc/dasbor/grafik.json").status_code == dashboard
    assert client.get("/walikota/").status_code == mayor
    assert client.get("/walikota/laporan/").status_code == mayor
    assert client.get("/poc/ringkasan/").status_code == weekly


def test_anonymous_visitor_is_sent_to_sign_in() -> None:
    for url in ("/poc/dasbor/", "/walikota/", "/poc/ringkasan/", "/poc/dasbor/grafik.json"):
        response = Client().get(url)
        assert response.status_code == 302
        assert "/masuk/" in response["Location"]


def test_dashboard_renders_with_data_and_is_csp_clean(agency: Agency) -> None:
    category = make_category(default_agency=agency)
    case_through("dispatched", category=category, agency=agency)
    make_case(category, channel=ChannelChoices.SOROT)
    client = client_for(make_user(Role.POC_SUPERVISOR))
    response = client.get("/poc/dasbor/")
    html = response.content.decode()
    assert response.status_code == 200
    assert not csp_problems(html)
    assert 'sse-connect="/events/stream/"' in html
    assert "DBMSDA" in html
    assert 'data-counter="open">2<' in html
    for url in ("/poc/dasbor/angka/", "/poc/dasbor/opd/", "/poc/dasbor/arus/"):
        partial = client.get(url, headers={"HX-Request": "true"})
        assert partial.status_code == 200
        assert "<html" not in partial.content.decode()
    charts = client.get("/poc/dasbor/grafik.json").json()
    assert charts["total"] == 2
    assert sum(charts["hours"]["counts"]) == 2
    assert charts["categories"]["counts"] == [2]
    mapped = client.get("/poc/dasbor/peta.json").json()
    assert len(mapped["points"]) == 2
    assert sum(v["open"] for v in mapped["villages"].values()) == 2


def test_mayor_and_weekly_pages_render(agency: Agency) -> None:
    category = make_category(default_agency=agency)
    make_case(category, channel=ChannelChoices.SOROT, title="Lampu jalan mati di depan sekolah")
    mayor = client_for(make_user(Role.MAYOR))
    html = mayor.get("/walikota/").content.decode()
    assert "Lampu jalan mati di depan sekolah" in html
    assert not csp_problems(html)
    weekly = mayor.get("/poc/ringkasan/")
    assert weekly.status_code == 200
    assert not csp_problems(weekly.content.decode())
    assert mayor.get("/poc/ringkasan/?minggu=2026-W99").status_code == 200


def test_change_filter_writes_one_minus_sign() -> None:
    from patriot.opscentre.templatetags.opscentre import signed

    assert signed(-1) == "\u22121"
    assert signed(-50.0) == "\u221250"
    assert signed(208.3) == "+208"
    assert signed(-0.4) == "0"
    assert signed(0) == "0"
    assert signed(None) == "—"


def test_weekly_summary_names_hotspots_and_writes_one_minus_sign(agency: Agency) -> None:
    from datetime import datetime, time, timedelta

    from patriot.cases.sla import city_zone
    from patriot.core import clock
    from patriot.geo.models import Village
    from patriot.opscentre import queries

    category = make_category(default_agency=agency)
    monday = queries.last_full_week()
    zone = city_zone()
    with clock.pinned(datetime.combine(monday - timedelta(days=3), time(9), tzinfo=zone)):
        make_case(category, channel=ChannelChoices.SOROT)
        make_case(category, channel=ChannelChoices.SOROT)
    with clock.pinned(datetime.combine(monday + timedelta(days=1), time(9), tzinfo=zone)):
        make_case(category, channel=ChannelChoices.SOROT)
        make_case(category, channel=ChannelChoices.POT)
    client = client_for(make_user(Role.MAYOR))
    html = client.get("/poc/ringkasan/").content.decode()
    assert not csp_problems(html)
    # SOROT went from 2 to 1: the count and the percentage carry the same minus sign.
    assert "\u22121 (\u221250&nbsp;%)" in html
    assert "(-" not in html
    cell = queries.week_figures(monday).top_cells[0]["cell"]
    assert f'data-cell="{cell}"' in html
    assert html.count(cell) == 1  # the cell id is not shown, only kept as a data attribute
    margahayu = Village.objects.get(name="Margahayu")
    sunday = monday + timedelta(days=6)
    link = (
        f"/poc/cari/?village={margahayu.code}&amp;created_from={monday.isoformat()}&amp;created_to={sunday.isoformat()}"
    )
    assert f'<a href="{link}">Margahayu</a> <small class="muted">Kec. Bekasi Timur' in html
    english = client.get("/poc/ringkasan/", headers={"Accept-Language": "en"})
    assert english.status_code == 200
    # The drill-down finds the week's cases in that kelurahan.
    search = client.get(link.replace("&amp;", "&")).content.decode()
    assert "2 laporan ditemukan" in search
