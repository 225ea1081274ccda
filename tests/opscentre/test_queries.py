"""Dashboard and weekly-summary numbers on a small data set whose answers are known."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency
from patriot.cases import services
from patriot.cases.choices import ChannelChoices
from patriot.cases.models import Case, Category
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.opscentre import queries
from patriot.opscentre.queries import Scope
from tests.factories import BINTARA, make_agency, make_case, make_category, make_team, photo, staff

pytestmark = pytest.mark.usefixtures("areas")
Role = RoleChoices


def _dispatched(category: Category, agency: Agency, at: datetime, **fields: object) -> Case:
    with clock.pinned(at):
        case = make_case(category, **fields)
        services.verify_case(case, by=staff(Role.POC_OPERATOR))
        services.dispatch_case(case, by=staff(Role.POC_OPERATOR), agency=agency)
    return case


def _resolved(category: Category, agency: Agency, dispatched: datetime, resolved: datetime, **fields: object) -> Case:
    case = _dispatched(category, agency, dispatched, **fields)
    team = make_team(agency)
    with clock.pinned(dispatched + timedelta(minutes=5)):
        services.assign_case(case, by=staff(Role.AGENCY_ADMIN, agency=agency), team=team)
        services.start_case(case, by=staff(Role.URC_OFFICER, team=team))
    with clock.pinned(resolved):
        services.resolve_case(
            case, by=staff(Role.URC_OFFICER, team=team), note="Selesai.", proof_photos=[photo(exif_gps=False)]
        )
    return case


@pytest.fixture
def known() -> dict[str, object]:
    """Agency A (24 h follow-up): 3 resolved in 10 h, 20 h and 30 h (the last after its deadline), one open
    and overdue, one open on track reported now; agency B: one open case, nothing resolved."""
    agency_a = make_agency("dinas-a", short_name="DINAS A")
    agency_b = make_agency("dinas-b", short_name="DINAS B")
    category = make_category("jalan", default_agency=agency_a, followup_hours=24)
    other = make_category("sampah", default_agency=agency_b)
    now = clock.now()
    t0 = now - timedelta(days=5)
    fast = _resolved(category, agency_a, t0, t0 + timedelta(hours=10))
    medium = _resolved(category, agency_a, t0, t0 + timedelta(hours=20))
    late = _dispatched(category, agency_a, t0)
    stuck = _dispatched(category, agency_a, t0, channel=ChannelChoices.SOROT)
    services.sweep_sla(t0 + timedelta(hours=25))  # late and stuck pass their 24 h deadline
    team = make_team(agency_a)
    with clock.pinned(t0 + timedelta(hours=26)):
        services.assign_case(late, by=staff(Role.AGENCY_ADMIN, agency=agency_a), team=team)
        services.start_case(late, by=staff(Role.URC_OFFICER, team=team))
    with clock.pinned(t0 + timedelta(hours=30)):
        services.resolve_case(late, by=staff(Role.URC_OFFICER, team=team), note="Selesai.", proof_photos=[photo()])
    fresh = _dispatched(category, agency_a, now)
    b_case = _dispatched(other, agency_b, t0, lat=BINTARA[0], lon=BINTARA[1])
    return {
        "a": agency_a,
        "b": agency_b,
        "fast": fast,
        "medium": medium,
        "late": late,
        "stuck": stuck,
        "fresh": fresh,
        "b_case": b_case,
        "category": category,
    }


def test_counters(known: dict[str, object]) -> None:
    counters = queries.counters(Scope.last_days())
    assert counters.open_total == 3  # stuck, fresh, b_case
    assert counters.overdue == 1  # stuck passed its 24 h deadline; b_case has 5 working days
    assert dict(counters.open_by_state)["dispatched"] == 3
    assert counters.new_today == 1


def test_agency_table_numbers(known: dict[str, object]) -> None:
    rows = {row.code: row for row in queries.agency_table(Scope.last_days())}
    a = rows["dinas-a"]
    assert (a.open, a.overdue, a.resolved, a.resolved_in_time) == (2, 1, 3, 2)
    assert a.compliance == pytest.approx(200 / 3)
    assert a.median_resolve == timedelta(hours=20)
    b = rows["dinas-b"]
    assert (b.open, b.resolved) == (1, 0)
    assert b.compliance is None and b.median_resolve is None


def test_filters_narrow_everything(known: dict[str, object]) -> None:
    scope = Scope.last_days()
    by_channel = Scope(start=scope.start, end=scope.end, channel=ChannelChoices.SOROT)
    assert queries.counters(by_channel).open_total == 1
    by_agency = Scope(start=scope.start, end=scope.end, agency=known["b"])  # type: ignore[arg-type]
    assert [row.code for row in queries.agency_table(by_agency)] == ["dinas-b"]
    assert queries.charts(by_agency).total == 1
    assert {entry.case_id for entry in queries.feed(by_agency)} == {known["b_case"].pk}  # type: ignore[attr-defined]


def test_charts_and_choropleth(known: dict[str, object]) -> None:
    charts = queries.charts(Scope.last_days())
    assert charts.total == 6
    assert sum(sum(series) for series in charts.per_day_by_channel.values()) == 6
    assert charts.per_day_by_channel[ChannelChoices.SOROT] == [0] * 24 + [1] + [0] * 5  # five days before today
    assert sum(charts.by_hour) == 6
    assert charts.top_categories[0]["code"] == "jalan"
    assert charts.top_categories[0]["count"] == 5
    villages = queries.open_by_village(Scope.last_days())
    assert sum(v["open"] for v in villages.values()) == 3
    assert sum(v["overdue"] for v in villages.values()) == 1


def test_mayor_list_holds_sorot_and_overdue(known: dict[str, object]) -> None:
    numbers = set(queries.mayor_cases().values_list("tracking_number", flat=True))
    assert known["stuck"].tracking_number in numbers  # type: ignore[attr-defined]
    assert known["fresh"].tracking_number not in numbers  # type: ignore[attr-defined]
    sorot = set(queries.mayor_cases("sorot").values_list("tracking_number", flat=True))
    assert sorot == {known["stuck"].tracking_number}  # type: ignore[attr-defined]


def test_weekly_summary_compares_with_the_week_before() -> None:
    agency = make_agency("dinas-w", short_name="DINAS W")
    category = make_category("drainase", default_agency=agency, followup_hours=48)
    monday = queries.last_full_week()
    zone = city_zone()

    def at(day: int, hour: int) -> datetime:
        return datetime.combine(monday + timedelta(days=day), time(hour), tzinfo=zone)

    for day in (0, 2, 6):
        with clock.pinned(at(day, 9)):
            make_case(category, channel=ChannelChoices.POT)
    with clock.pinned(at(-3, 9)):
        make_case(category, channel=ChannelChoices.SOROT)
    _resolved(category, agency, at(1, 8), at(1, 20))  # created and resolved this week: 12 h, in time
    with clock.pinned(at(7, 0)):  # next Monday 00:00: not this week
        make_case(category)
    summary = queries.weekly_summary(monday)
    assert summary.this.received == 4
    assert summary.previous.received == 1
    assert summary.this.by_channel == {"pot": 4}
    assert summary.this.resolved == 1
    channels = {row["value"]: row for row in summary.channels}
    assert channels["pot"]["delta"] == 4
    assert channels["sorot"]["delta"] == -1
    assert channels["sorot"]["percent"] == -100.0
    assert summary.this.top_categories[0]["count"] == 4
    rows = {row["agency"].code: row for row in summary.agencies}
    assert rows["dinas-w"]["compliance"] == 100.0
    assert rows["dinas-w"]["median_hours"] == pytest.approx(12.0, abs=0.1)
    assert summary.this.top_villages[0]["count"] == 4


# Two points in one h3 cell of resolution 7 (878c104ecffffff) but in different kelurahan.
PENGASINAN = (-6.266143, 107.0033)  # Rawalumbu, south of Margahayu


def test_weekly_hotspots_are_named_by_the_kelurahan_holding_most_of_their_cases() -> None:
    from patriot.geo.lookup import locate
    from tests.factories import MARGAHAYU

    margahayu, pengasinan, bintara = locate(*MARGAHAYU), locate(*PENGASINAN), locate(*BINTARA)
    assert margahayu.h3_cell_coarse == pengasinan.h3_cell_coarse != bintara.h3_cell_coarse
    assert (margahayu.village_name, pengasinan.village_name) == ("Margahayu", "Pengasinan")
    roads, drains, lights = make_category("jalan-h"), make_category("saluran-h"), make_category("lampu-h")
    monday = queries.last_full_week()
    with clock.pinned(datetime.combine(monday + timedelta(days=2), time(10), tzinfo=city_zone())):
        for _ in range(3):
            make_case(roads)  # Margahayu
        make_case(drains, lat=PENGASINAN[0], lon=PENGASINAN[1])
        make_case(drains, lat=BINTARA[0], lon=BINTARA[1])
        make_case(lights, lat=BINTARA[0], lon=BINTARA[1])
    first, second = queries.week_figures(monday).top_cells
    assert first["cell"] == margahayu.h3_cell_coarse
    assert first["count"] == 4
    assert first["village"].name == "Margahayu"
    assert first["village"].district.name == "Bekasi Timur"
    assert first["village_count"] == 3
    assert first["other_villages"] == 1
    assert first["category"] == roads
    assert first["category_count"] == 3
    assert second["village"].name == "Bintara"
    assert second["other_villages"] == 0
    assert second["category"] is None  # one report each: no leading category
