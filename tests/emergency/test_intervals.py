"""The interval report (issue 11, item 10): every interval from the timestamps the services stamp, as the median
and 90th percentile over a period, by kecamatan, triage level and first unit, with counts by complaint and outcome;
its page and CSV for PSC roles and the health office only, with no caller or patient detail."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.emergency import intervals, services
from patriot.emergency.models import Ambulance, Incident
from tests.emergency.conftest import details, make_ambulance
from tests.factories import BINTARA, make_user

pytestmark = pytest.mark.django_db

WIB = timezone.get_fixed_timezone(7 * 60)
T0 = datetime(2026, 11, 10, 8, 0, tzinfo=WIB)
# Offsets in seconds from the call coming in: created, dispatch, depart, arrive, transport, at hospital, handover
# (clear), back in service.
RUN_A = (60, 90, 150, 600, 1200, 1800, 2100, 2700)
RUN_B = (120, 240, 300, 1500, 1900, 2600, 2900, 3100)
STEPS = ("dispatch", "depart", "arrive", "transport", "reach_hospital", "clear", "back_in_service")


def run(user: User, ambulance: Ambulance, start: datetime, offsets: tuple[int, ...], **overrides: object) -> Incident:
    with clock.pinned(start + timedelta(seconds=offsets[0])):
        incident = services.create_incident(user, details(call_received_at=start, **overrides))
    for action, offset in zip(STEPS, offsets[1:], strict=True):
        with clock.pinned(start + timedelta(seconds=offset)):
            services.move_ambulance(user, ambulance, action, incident=incident if action == "dispatch" else None)
    incident.refresh_from_db()
    return incident


@pytest.fixture
def two_runs(areas: None, dispatcher: User) -> tuple[Incident, Incident, Ambulance, Ambulance]:
    first, second = make_ambulance("amb-1"), make_ambulance("amb-2")
    a = run(dispatcher, first, T0, RUN_A)  # Margahayu (Bekasi Timur), P1 (chest pain, conscious: proposes P1?)
    b = run(
        dispatcher,
        second,
        T0 + timedelta(hours=3),
        RUN_B,
        complaint="fall",
        latitude=BINTARA[0],
        longitude=BINTARA[1],
    )
    return a, b, first, second


def whole_period() -> tuple[datetime, datetime]:
    return T0 - timedelta(days=1), T0 + timedelta(days=1)


def test_each_interval_comes_from_the_stamped_times(two_runs: tuple) -> None:
    a, _b, first, _second = two_runs
    assert a.first_ambulance_id == first.pk
    report = intervals.report(*whole_period())
    overall = report.overall.figures
    assert report.overall.incidents == 2
    # notify: created → dispatched: A 30 s, B 120 s; median 75, p90 = 30 + 0.9 × 90 = 111.
    assert overall["notify"] == intervals.Figure(2, 75.0, 111.0)
    # response: received → on scene: A 600 s, B 1500 s.
    assert overall["response"] == intervals.Figure(2, 1050.0, 1410.0)
    # handover: at hospital → handover: A 300 s, B 300 s.
    assert overall["handover"] == intervals.Figure(2, 300.0, 300.0)
    # A typed call has no "answered" stamp: neither interval that needs it is counted.
    assert overall["answer"] == intervals.Figure(0, None, None)
    assert overall["logging"] == intervals.Figure(0, None, None)


def test_groups_by_level_kecamatan_and_unit(two_runs: tuple) -> None:
    a, b, first, second = two_runs
    report = intervals.report(*whole_period())
    assert a.level != b.level
    levels = {row.key: row for row in report.by_level}
    assert levels[a.level].figures["travel"] == intervals.Figure(1, 450.0, 450.0)
    assert levels[b.level].figures["travel"] == intervals.Figure(1, 1200.0, 1200.0)
    districts = {row.label: row.incidents for row in report.by_district}
    assert districts == {a.district.name: 1, b.district.name: 1}
    units = {row.key: row.figures["turnout"] for row in report.by_unit}
    assert units == {str(first.pk): intervals.Figure(1, 60.0, 60.0), str(second.pk): intervals.Figure(1, 60.0, 60.0)}


def test_a_level_row_says_whether_its_response_target_is_met(two_runs: tuple, settings: object) -> None:
    a, _b, _first, _second = two_runs
    settings.PATRIOT_EMERGENCY_RESPONSE_TARGETS = f"{a.level}:9/10"  # type: ignore[attr-defined]
    row = next(row for row in intervals.report(*whole_period()).by_level if row.key == a.level)
    assert row.target == (9.0, 10.0)
    assert row.meets("median") is False  # 600 s > 9 min
    assert row.meets("p90") is True  # 600 s ≤ 10 min


def test_calls_that_were_not_emergencies_count_in_outcomes_only(two_runs: tuple, call_taker: User) -> None:
    with clock.pinned(T0 + timedelta(minutes=5)):
        services.record_non_emergency_call(call_taker, "prank", caller_number="0812 1111 2222")
    report = intervals.report(*whole_period())
    assert report.overall.incidents == 2
    outcomes = {value: count for value, _label, count in report.by_outcome}
    assert outcomes["non_emergency:prank"] == 1 and outcomes["closed"] + outcomes["handed_over"] <= 2
    complaints = {value: count for value, _label, count in report.by_complaint}
    assert complaints["chest_pain"] == 1 and complaints["fall"] == 1


def test_the_period_holds_its_first_and_last_local_day(two_runs: tuple) -> None:
    _a, _b, _first, _second = two_runs
    start, end = T0.replace(hour=0), T0.replace(hour=0) + timedelta(days=1)
    assert intervals.report(start, end).overall.incidents == 2
    assert intervals.report(end, end + timedelta(days=1)).overall.incidents == 0
    assert intervals.report(T0 + timedelta(seconds=1), end).overall.incidents == 1


def test_an_empty_period_has_no_figures_not_zeros(db: None) -> None:
    report = intervals.report(*whole_period())
    assert report.overall.incidents == 0
    assert report.overall.figures["response"] == intervals.Figure(0, None, None)
    assert report.by_level == report.by_district == report.by_unit == []


@pytest.mark.parametrize("role", [RoleChoices.PSC_CALL_TAKER, RoleChoices.PSC_DISPATCHER, RoleChoices.HEALTH_OFFICER])
def test_psc_roles_and_the_health_office_read_the_page_and_csv(two_runs: tuple, role: str) -> None:
    client = Client()
    client.force_login(make_user(role))
    query = {"dari": "2026-11-10", "sampai": "2026-11-10"}
    page = client.get("/psc/laporan/", query)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-interval="response"' in html and "17:30" in html  # median response 1050 s
    # Figures only: no caller's name, number or address reaches the report.
    for secret in ("Bu Sari", "3456", "Anggrek", "depan masjid"):
        assert secret not in html
    exported = client.get("/psc/laporan/csv/", query)
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    body = b"".join(exported.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    overall = rows[1]
    response_median = rows[0].index(
        next(cell for cell in rows[0] if cell.startswith("Waktu tanggap") and "median" in cell)
    )
    assert overall[2] == "2" and overall[response_median] == "1050"
    for secret in ("Bu Sari", "3456", "Anggrek"):
        assert secret not in body


@pytest.mark.parametrize(
    "role",
    [
        RoleChoices.POC_OPERATOR,
        RoleChoices.MAYOR,
        RoleChoices.AGENCY_OFFICER,
        RoleChoices.CITIZEN,
        RoleChoices.AMBULANCE_CREW,
        RoleChoices.HOSPITAL_STAFF,
        RoleChoices.JUMANTIK,
    ],
)
def test_other_roles_are_refused(db: None, role: str) -> None:
    client = Client()
    client.force_login(make_user(role))
    assert client.get("/psc/laporan/").status_code == 403
    assert client.get("/psc/laporan/csv/").status_code == 403


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    for url in ("/psc/laporan/", "/psc/laporan/csv/"):
        answer = Client().get(url)
        assert answer.status_code == 302 and "/masuk/" in answer["Location"]


def test_a_reversed_period_is_refused_in_words(call_taker: User) -> None:
    client = Client()
    client.force_login(call_taker)
    page = client.get("/psc/laporan/", {"dari": "2026-11-10", "sampai": "2026-11-01"})
    assert page.status_code == 400
    assert "Tanggal awal harus sebelum atau sama dengan tanggal akhir." in page.content.decode()


def test_an_end_stamped_before_its_start_does_not_count(two_runs: tuple) -> None:
    a, _b, _first, _second = two_runs
    Incident.objects.filter(pk=a.pk).update(on_scene_at=a.en_route_at - timedelta(seconds=5))
    figures = intervals.report(*whole_period()).overall.figures
    assert figures["travel"] == intervals.Figure(1, 1200.0, 1200.0)


def test_the_figures_equal_a_plain_reference_computation(areas: None, call_taker: User) -> None:
    """Many incidents with millisecond stamps, missing and reversed ones, several kecamatan, levels and units,
    calls that were not emergencies: every figure equals numpy's percentiles of the durations computed in Python
    from the stamps (to the millisecond), on SQLite and on PostgreSQL alike."""
    import random

    import numpy as np

    from patriot.geo.models import District

    rng = random.Random(11)
    units = [make_ambulance(f"amb-ref-{n}") for n in range(3)]
    districts = list(District.objects.values_list("pk", flat=True)[:3])
    made = []
    for index in range(120):
        received = T0 + timedelta(seconds=rng.randint(0, 80_000), milliseconds=rng.randint(0, 999))
        stamps: dict[str, datetime | None] = {"call_received_at": received}
        at = received
        for name in intervals.STAMPS[1:]:
            at = at + timedelta(milliseconds=rng.randint(1_000, 900_000))
            stamps[name] = None if rng.random() < 0.08 else at
        if index % 17 == 0:
            stamps["on_scene_at"] = received - timedelta(seconds=5)  # reversed: does not count
        if stamps["created_at"] is None:
            stamps["created_at"] = at
        non_emergency = index % 9 == 0
        made.append(
            Incident(
                call_taker=call_taker,
                state="non_emergency" if non_emergency else rng.choice(["dispatched", "closed", "handed_over"]),
                closure_reason="prank" if non_emergency else "",
                complaint=rng.choice(["fall", "burn", ""]),
                district_id=rng.choice([*districts, None]),
                proposed_level=rng.choice(["p1", "p2", "p3"]),
                final_level=rng.choice(["", "p0"]),
                override_reason="uji",
                first_ambulance=rng.choice([*units, None]),
                **stamps,
            )
        )
    Incident.objects.bulk_create(made)
    report = intervals.report(T0 - timedelta(hours=1), T0 + timedelta(days=2))
    runs = [incident for incident in made if incident.state != "non_emergency"]

    def expected(selected: list[Incident]) -> dict[str, intervals.Figure]:
        figures = {}
        for interval in intervals.INTERVALS:
            seconds = [
                round((getattr(i, interval.end) - getattr(i, interval.start)).total_seconds(), 3)
                for i in selected
                if getattr(i, interval.start) and getattr(i, interval.end)
                if getattr(i, interval.end) >= getattr(i, interval.start)
            ]
            if seconds:
                median, p90 = np.percentile(seconds, [50, 90])
                figures[interval.key] = intervals.Figure(len(seconds), pytest.approx(median), pytest.approx(p90))
            else:
                figures[interval.key] = intervals.Figure(0, None, None)
        return figures

    assert report.overall.incidents == len(runs)
    assert report.overall.figures == expected(runs)
    for row in report.by_district:
        key = None if row.key == "-1" else int(row.key)
        assert row.figures == expected([i for i in runs if i.district_id == key]), row.label
    assert {row.key for row in report.by_level} == {i.level for i in runs}
    for row in report.by_level:
        assert row.figures == expected([i for i in runs if i.level == row.key]), row.label
    assert len(report.by_unit) == 4
    for row in report.by_unit:
        key = None if row.key == "-1" else int(row.key)
        assert row.figures == expected([i for i in runs if i.first_ambulance_id == key]), row.label
    outcomes = {value: count for value, _label, count in report.by_outcome}
    assert outcomes["non_emergency:prank"] == len(made) - len(runs)
    assert sum(count for _value, _label, count in report.by_complaint) == len(made)
    # Each complaint and each state counted (PostgreSQL reads their codes from hashes, SQLite from a CASE).
    complaints = {value: count for value, _label, count in report.by_complaint if count}
    assert complaints == {value: sum(i.complaint == value for i in made) for value in ("fall", "burn", "")}
    for state in ("dispatched", "closed", "handed_over"):
        assert outcomes[state] == sum(i.state == state for i in made), state


def test_the_grouped_order_statistics_are_numpys_percentiles_to_the_last_bit(db: None) -> None:
    """The report sorts each interval once per grouping and interpolates as numpy.percentile does: the same floats
    exactly, for groups of one, two and many values, ties, durations that do not count (-1) and empty groups."""
    import numpy as np

    rng = np.random.default_rng(11)
    sizes = [0, 1, 2, 3, 4, 5, 10, 11, 97, 1000, 0, 2_345]
    codes = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    milliseconds = rng.integers(0, 5_000_000, codes.size)
    milliseconds[rng.random(codes.size) < 0.1] = -1  # does not count
    milliseconds[rng.random(codes.size) < 0.2] = 600_000  # ties
    order = rng.permutation(codes.size)
    codes, milliseconds = codes[order], milliseconds[order]
    counting = milliseconds >= 0
    figures = intervals._order_statistics(codes[counting], len(sizes), milliseconds[counting])
    for code, figure in enumerate(figures):
        seconds = milliseconds[(codes == code) & (milliseconds >= 0)] / 1000.0
        if not seconds.size:
            assert figure == intervals.NO_FIGURE
            continue
        median, p90 = np.percentile(seconds, [50, 90])
        assert (figure.count, figure.median, figure.p90) == (seconds.size, float(median), float(p90)), code


def test_each_interval_is_kept_by_the_database_from_its_two_stamps(two_runs: tuple) -> None:
    a, _b, _first, _second = two_runs
    for interval in intervals.INTERVALS:
        expression = Incident._meta.get_field(interval.column).expression  # type: ignore[union-attr]
        assert [part.name for part in expression.get_source_expressions()] == [interval.start, interval.end]
    # Kept on every write: RUN_A's response (600 s) and, after an update() moving the arrival, the new one.
    assert Incident.objects.values_list("response_ms", flat=True).get(pk=a.pk) == 600_000
    Incident.objects.filter(pk=a.pk).update(on_scene_at=a.call_received_at + timedelta(seconds=61, milliseconds=5))
    assert Incident.objects.values_list("response_ms", "travel_ms").get(pk=a.pk) == (61_005, None)


def test_group_codes_are_dense_for_small_and_large_ids(db: None) -> None:
    import numpy as np

    for ids in ([-1, 5, 3, 5, -1], [-1, 5, 12_000_000, 5]):
        codes, keys = intervals._codes(np.array(ids, dtype=np.int64))
        assert keys == sorted(set(ids)) and [keys[code] for code in codes.tolist()] == ids
