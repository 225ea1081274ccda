"""cases.queries: who sees which case, duplicate suggestions, the POC overview."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from patriot.accounts.choices import RoleChoices
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, SlaStatusChoices
from patriot.cases.models import Case, Category
from patriot.cases.queries import duplicate_candidates, overview, public_cases, visible_cases
from tests.factories import MARGAHAYU, case_through, make_agency, make_case, make_category, make_team, make_user, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]

State = CaseStateChoices
JAKARTA = ZoneInfo("Asia/Jakarta")
EARTH_RADIUS_METRES = 6_371_000.0


def moved(lat: float, lon: float, *, north: float = 0.0, east: float = 0.0) -> tuple[float, float]:
    """The point `north` and `east` metres away on a sphere."""
    dlat = math.degrees(north / EARTH_RADIUS_METRES)
    dlon = math.degrees(east / (EARTH_RADIUS_METRES * math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


# --- visibility -------------------------------------------------------------------------------


def test_each_role_sees_only_its_cases() -> None:
    agency_a, agency_b = make_agency("opd-a"), make_agency("opd-b")
    team_a1, team_a2, team_b = make_team(agency_a), make_team(agency_a), make_team(agency_b)
    category = make_category(default_agency=agency_a)
    citizen, other_citizen = make_user(RoleChoices.CITIZEN), make_user(RoleChoices.CITIZEN)

    a1 = case_through(State.ASSIGNED, category=category, agency=agency_a, team=team_a1)
    a2 = case_through(State.IN_PROGRESS, category=category, agency=agency_a, team=team_a2)
    b = case_through(State.DISPATCHED, category=category, agency=agency_b)
    own = make_case(category, reporter=citizen, by=citizen)
    unrouted = make_case(category)
    everything = {a1, a2, b, own, unrouted}

    expectations = {
        make_user(RoleChoices.AGENCY_OFFICER, agency=agency_a): {a1, a2},
        make_user(RoleChoices.AGENCY_ADMIN, agency=agency_a): {a1, a2},
        make_user(RoleChoices.AGENCY_OFFICER, agency=agency_b): {b},
        make_user(RoleChoices.URC_OFFICER, team=team_a1): {a1},
        make_user(RoleChoices.URC_OFFICER, team=team_a2): {a2},
        make_user(RoleChoices.URC_OFFICER, team=team_b): set(),
        citizen: {own},
        other_citizen: set(),
        make_user(RoleChoices.MAYOR): everything,
        make_user(RoleChoices.POC_OPERATOR): everything,
        make_user(RoleChoices.POC_SUPERVISOR): everything,
        make_user(RoleChoices.CALLCENTRE_OPERATOR): everything,
        make_user(RoleChoices.AGENCY_OFFICER): set(),  # no agency yet
        make_user(RoleChoices.URC_OFFICER): set(),  # no team yet
        make_user(RoleChoices.HEALTH_OFFICER): set(),
    }
    for user, expected in expectations.items():
        assert set(visible_cases(user)) == expected, user.role

    assert list(visible_cases(None)) == []
    assert list(visible_cases(AnonymousUser())) == []


def test_forwarded_case_moves_to_the_new_agency() -> None:
    agency_a, agency_b = make_agency("opd-a"), make_agency("opd-b")
    officer_a = make_user(RoleChoices.AGENCY_OFFICER, agency=agency_a)
    officer_b = make_user(RoleChoices.AGENCY_OFFICER, agency=agency_b)
    case = case_through(State.DISPATCHED, category=make_category(default_agency=agency_a))
    assert (list(visible_cases(officer_a)), list(visible_cases(officer_b))) == ([case], [])

    services.forward_case(case, by=officer_a, agency=agency_b, reason="Bukan wewenang kami")

    assert (list(visible_cases(officer_a)), list(visible_cases(officer_b))) == ([], [case])


def test_public_cases_hide_confidential_rejected_and_merged_reports() -> None:
    category = make_category(default_agency=make_agency())
    shown = case_through(State.DISPATCHED, category=category)
    case_through(State.SUBMITTED, category=category, is_confidential=True)
    case_through(State.REJECTED, category=category)
    duplicate = case_through(State.DUPLICATE, category=category)
    assert set(public_cases()) == {shown, duplicate.duplicate_of}


# --- duplicate candidates ---------------------------------------------------------------------


@pytest.fixture
def pothole() -> Category:
    return make_category("jalan-rusak", default_agency=make_agency("dbmsda"))


def make_case_at(category: Category, when: datetime, *, north: float = 0.0, east: float = 0.0) -> Case:
    lat, lon = moved(*MARGAHAYU, north=north, east=east)
    with time_machine.travel(when, tick=False):
        return make_case(category, lat=lat, lon=lon)


def test_duplicate_candidates_are_nearby_recent_open_cases_of_the_category(pothole: Category) -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=JAKARTA)
    near = make_case_at(pothole, now - timedelta(days=2), north=50)
    within = make_case_at(pothole, now - timedelta(days=29), north=-200)
    east = make_case_at(pothole, now - timedelta(hours=1), east=240)
    make_case_at(pothole, now - timedelta(days=1), north=300)  # too far
    make_case_at(pothole, now - timedelta(days=1), east=-270)  # too far, to the west
    make_case_at(make_category("sampah", default_agency=make_agency()), now - timedelta(days=1), north=10)
    make_case_at(pothole, now - timedelta(days=31), north=20)  # too old
    finished = make_case_at(pothole, now - timedelta(days=3), north=30)
    with time_machine.travel(now - timedelta(days=3), tick=False):
        case_through(State.CLOSED, case=finished)
        case_through(State.REJECTED, case=make_case_at(pothole, now - timedelta(days=3), north=-30))
    new = make_case_at(pothole, now)
    make_case_at(pothole, now + timedelta(hours=1), north=5)  # reported after this one

    candidates = duplicate_candidates(new)

    assert [c.case for c in candidates] == [near, within, east]
    assert [round(c.distance_metres) for c in candidates] == [50, 200, 240]


def test_the_250_metre_radius_is_measured_like_the_distance_shown(pothole: Category) -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=JAKARTA)
    north = make_case_at(pothole, now - timedelta(days=1), north=249.9)
    south_east = make_case_at(pothole, now - timedelta(days=1), north=-176.6, east=176.6)  # 249.7 m away
    make_case_at(pothole, now - timedelta(days=1), north=-250.5)
    candidates = duplicate_candidates(make_case_at(pothole, now))
    assert {c.case for c in candidates} == {north, south_east}
    assert all(c.distance_metres <= 250 for c in candidates)


def test_a_case_is_not_its_own_duplicate(pothole: Category) -> None:
    case = make_case_at(pothole, datetime(2026, 11, 27, 10, 0, tzinfo=JAKARTA))
    assert duplicate_candidates(case) == []


# --- overview ---------------------------------------------------------------------------------


def test_overview_counts_open_cases_by_state_and_agency() -> None:
    agency_a, agency_b = make_agency("opd-a"), make_agency("opd-b")
    category = make_category(default_agency=agency_a)
    with time_machine.travel(datetime(2026, 11, 26, 23, 30, tzinfo=JAKARTA), tick=False):
        yesterday = make_case(category)
    with time_machine.travel(datetime(2026, 11, 27, 0, 30, tzinfo=JAKARTA), tick=False):
        # 00:30 in Jakarta is still 26 November in UTC: "today" is the city's day.
        a_dispatched = [case_through(State.DISPATCHED, category=category, agency=agency_a) for _ in range(3)]
        case_through(State.ASSIGNED, category=category, agency=agency_b)
        verified = case_through(State.VERIFIED, category=category)
        for state in (State.REJECTED, State.RESOLVED, State.CLOSED):
            case_through(state, category=category)
    Case.objects.filter(pk=a_dispatched[0].pk).update(sla_status=SlaStatusChoices.OVERDUE)
    Case.objects.filter(pk__in=[a_dispatched[1].pk, verified.pk]).update(sla_status=SlaStatusChoices.DUE_SOON)
    Case.objects.filter(pk=yesterday.pk).update(sla_status=SlaStatusChoices.OVERDUE)

    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=JAKARTA), tick=False):
        numbers = overview()

    assert (numbers.open_total, numbers.due_soon, numbers.overdue) == (6, 2, 2)
    assert numbers.new_today == 8
    cells = {
        (c["state"], c["agency_id"]): (c["open"], c["due_soon"], c["overdue"]) for c in numbers.open_by_state_and_agency
    }
    assert cells == {
        (State.SUBMITTED, None): (1, 0, 1),
        (State.VERIFIED, None): (1, 1, 0),
        (State.DISPATCHED, agency_a.pk): (3, 1, 1),
        (State.ASSIGNED, agency_b.pk): (1, 0, 0),
    }

    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=JAKARTA), tick=False):
        scoped = overview(visible_cases(staff(RoleChoices.AGENCY_OFFICER, agency=agency_b)))
    assert (scoped.open_total, scoped.due_soon, scoped.overdue, scoped.new_today) == (1, 0, 0, 1)
