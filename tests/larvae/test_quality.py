"""Data quality for supervisors: one house twice in a week (same address in the RT, or points within 15 m), a
jumantik with implausibly uniform results, inspections far outside the jumantik's RT, RTs with no report; each
finding within the supervisor's area and linked to its inspections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core import clock
from patriot.geo.models import Village
from patriot.larvae import quality, services
from patriot.larvae.indices import Period
from patriot.larvae.models import FieldAssignment, Inspection, RtTarget
from patriot.larvae.scope import Scope
from tests.core.test_layout import csp_problems
from tests.factories import BINTARA, MARGAHAYU, make_user
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.usefixtures("areas")
# About 11 m and 22 m north of MARGAHAYU.
NEAR = (MARGAHAYU[0] + 0.0001, MARGAHAYU[1])
FAR_ENOUGH = (MARGAHAYU[0] + 0.0002, MARGAHAYU[1])


def record(user: User, **fields: object) -> Inspection:
    return services.record_inspection(user, inspection_submission(**fields)).inspection  # type: ignore[arg-type]


def this_week() -> Period:
    return Period.week_of(clock.now())


def margahayu() -> Village:
    return Village.objects.get(name="Margahayu")


def test_the_same_house_twice_by_address_or_by_a_point_within_15_m(jumantik: User, other_jumantik: User) -> None:
    first = record(jumantik, address="Jl. Melati No. 7")
    # The same address in the same RT, typed differently, from a point 100 m away: the same house.
    again = record(other_jumantik, address="jl. melati  no 7", lon=MARGAHAYU[1] + 0.0009)
    near = record(jumantik, address="Jl. Kenanga 1", lat=NEAR[0], lon=NEAR[1], rt=6)
    far = record(jumantik, address="Jl. Kenanga 3", lat=FAR_ENOUGH[0] + 0.0002, lon=FAR_ENOUGH[1], rt=6)
    # The same address in another kelurahan is another house; last week's visit is the weekly routine.
    record(jumantik, address="Jl. Melati No. 7", lat=BINTARA[0], lon=BINTARA[1])
    record(jumantik, address="Jl. Kenanga 3", lat=BINTARA[0], lon=BINTARA[1] + 0.01, at=clock.now() - timedelta(days=8))
    found = quality.findings(Scope(city=True), this_week()).same_house
    assert [finding.inspection_ids for finding in found] == [[first.pk, again.pk, near.pk]]
    assert (found[0].rw, found[0].rt, found[0].village) == (3, 5, "Margahayu")
    assert far.pk not in found[0].inspection_ids


def test_points_within_15_m_are_one_house_and_22_m_are_two(jumantik: User) -> None:
    one = record(jumantik, address="A 1", rt=1)
    two = record(jumantik, address="B 2", rt=2, lat=NEAR[0], lon=NEAR[1])
    record(jumantik, address="C 3", rt=3, lat=FAR_ENOUGH[0] + 0.0001, lon=FAR_ENOUGH[1])
    found = quality.findings(Scope(city=True), this_week()).same_house
    assert [finding.inspection_ids for finding in found] == [[one.pk, two.pk]]


def test_a_jumantik_who_never_finds_larvae_week_after_week(
    settings: Settings, jumantik: User, other_jumantik: User
) -> None:
    settings.PATRIOT_LARVAE_UNIFORM_WEEKS = 4
    settings.PATRIOT_LARVAE_UNIFORM_MIN_HOUSES = 8
    now = clock.now()
    for week in range(4):
        for house in range(2):
            at = now - timedelta(weeks=week, minutes=house + 1)
            record(jumantik, address=f"Jl. A {week}-{house}", at=at, containers=[("drum", "indoor", 2, 0)])
            positive = [("drum", "indoor", 2, 1 if house == 0 and week == 2 else 0)]
            record(other_jumantik, address=f"Jl. B {week}-{house}", at=at, containers=positive)
    found = quality.findings(Scope(city=True), this_week()).uniform
    assert [(f.jumantik, f.houses, f.weeks) for f in found] == [(jumantik, 8, 4)]
    assert len(found[0].inspection_ids) == 8
    # Fewer houses than the floor, or a week without inspections, is not flagged.
    settings.PATRIOT_LARVAE_UNIFORM_MIN_HOUSES = 9
    assert quality.findings(Scope(city=True), this_week()).uniform == []


def test_an_inspection_far_outside_the_jumantik_s_rt(settings: Settings, jumantik: User) -> None:
    settings.PATRIOT_LARVAE_OUTSIDE_RT_METRES = 300
    FieldAssignment.objects.create(user=jumantik, village=margahayu(), rw=3, rt=5)
    inside = record(jumantik)
    outside = record(jumantik, lat=BINTARA[0], lon=BINTARA[1], address="Jl. Jauh 1")
    found = quality.findings(Scope(city=True), this_week()).outside_rt
    assert [finding.inspection for finding in found] == [outside]
    assert found[0].metres > 300 and "Margahayu" in found[0].assigned
    assert inside not in [finding.inspection for finding in found]


def test_rts_with_no_report_this_week(jumantik: User, other_jumantik: User) -> None:
    FieldAssignment.objects.create(user=jumantik, village=margahayu(), rw=3, rt=5)
    FieldAssignment.objects.create(user=other_jumantik, village=margahayu(), rw=3, rt=6)
    RtTarget.objects.create(village=margahayu(), rw=4, rt=1, houses=10, updated_at=clock.now())
    record(jumantik, rw=7, rt=2, at=clock.now() - timedelta(weeks=2))  # reported before, silent now
    record(jumantik, rw=3, rt=5)
    silent = quality.findings(Scope(village_id=margahayu().pk), this_week()).silent_rts
    assert [(s.rw, s.rt) for s in silent] == [(3, 6), (4, 1), (7, 2)]
    assert quality.findings(Scope(village_id=margahayu().pk, rw=3), this_week()).silent_rts[0].rt == 6


def test_the_page_links_each_finding_and_stays_in_the_supervisor_s_area(jumantik: User) -> None:
    first = record(jumantik, address="Jl. Melati No. 7")
    second = record(jumantik, address="Jl. Melati No. 7")
    other = make_user(Role.JUMANTIK, username="jumantik-bintara")
    record(other, address="Jl. Bintara 1", lat=BINTARA[0], lon=BINTARA[1], rw=1, rt=1)
    record(other, address="Jl. Bintara 1", lat=BINTARA[0], lon=BINTARA[1], rw=1, rt=1)
    coordinator = make_user(Role.JUMANTIK_COORDINATOR)
    FieldAssignment.objects.create(user=coordinator, village=margahayu())
    client = Client()
    client.force_login(coordinator)
    response = client.get("/jumantik/mutu/")
    body = response.content.decode()
    assert response.status_code == 200 and not csp_problems(body)
    assert f"/jumantik/pengawasan/?id={first.pk}&amp;id={second.pk}" in body
    assert "Bintara" not in body
    listed = client.get(f"/jumantik/pengawasan/?id={first.pk}&id={second.pk}").content.decode()
    assert listed.count("Jl. Melati No. 7") == 2
    for role in (Role.JUMANTIK, Role.POC_OPERATOR, Role.MAYOR, Role.CITIZEN):
        viewer = make_user(role, username=f"viewer-{role}")
        client = Client()
        client.force_login(viewer)
        assert client.get("/jumantik/mutu/").status_code == 403, role
    assert Client().get("/jumantik/mutu/").status_code == 302
