"""Organisation units: agencies and URC teams mirror themselves into units, staff belong to one, each role only to
the kinds of unit it is scoped to, health facilities and ambulances may lie outside the city; who is in scope."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from patriot.accounts.choices import ROLE_UNIT_KINDS, RoleChoices, UnitKindChoices, unit_kinds_for
from patriot.accounts.models import Agency, OrganisationUnit, ResponseTeam, User, check_role_scope
from patriot.accounts.queries import units_in_scope, users_of_unit
from patriot.accounts.services import load_area_offices
from patriot.geo.models import District, Village
from tests.factories import load_areas, make_agency, make_team, make_user

pytestmark = pytest.mark.django_db

Role = RoleChoices
Kind = UnitKindChoices


def make_unit(kind: str, code: str, **fields: object) -> OrganisationUnit:
    fields.setdefault("name", code.upper())
    return OrganisationUnit.objects.create(kind=kind, code=code, **fields)  # type: ignore[arg-type]


# --- agencies and teams mirror themselves into units -----------------------------------------------


def test_an_agency_and_its_team_get_their_units_and_keep_them_in_step() -> None:
    agency = make_agency("dlh", name="Dinas Lingkungan Hidup")
    team = make_team(agency, "urc-dlh-kebersihan", name="URC Kebersihan")
    assert agency.unit is not None and team.unit is not None
    assert (agency.unit.kind, agency.unit.code, agency.unit.name, agency.unit.parent) == (
        Kind.AGENCY,
        "dlh",
        "Dinas Lingkungan Hidup",
        None,
    )
    assert (team.unit.kind, team.unit.code, team.unit.parent_id) == (
        Kind.URC_TEAM,
        "urc-dlh-kebersihan",
        agency.unit_id,
    )

    agency.name = "Dinas LH"
    agency.is_active = False
    agency.save()
    team.agency = other = make_agency("dbmsda")
    team.save()
    agency.unit.refresh_from_db()
    team.unit.refresh_from_db()
    assert (agency.unit.name, agency.unit.is_active) == ("Dinas LH", False)
    assert team.unit.parent_id == other.unit_id
    # Still one unit each: saving again updates, never duplicates.
    assert OrganisationUnit.objects.count() == 3


def test_deleting_an_agency_takes_its_units_along() -> None:
    agency = make_agency()
    make_team(agency)
    agency.delete()
    assert not OrganisationUnit.objects.exists()


def test_agency_and_urc_staff_belong_to_their_team_else_their_agency() -> None:
    agency = make_agency()
    team = make_team(agency)
    officer = make_user(Role.AGENCY_OFFICER, agency=agency)
    urc = make_user(Role.URC_OFFICER, team=team)
    assert officer.unit_id == agency.unit_id
    assert urc.unit_id == team.unit_id

    # Moved to another agency: the unit follows; left every agency: no unit.
    other = make_agency()
    officer.agency = other
    officer.save(update_fields=["agency"])
    officer.refresh_from_db()
    assert officer.unit_id == other.unit_id
    urc.team = None
    urc.agency = None
    urc.save()
    assert urc.unit_id is None


def test_staff_of_other_units_are_placed_directly_and_stay() -> None:
    hospital = make_unit(Kind.HOSPITAL, "rsud-bekasi")
    nurse = make_user(Role.HOSPITAL_STAFF, unit=hospital)
    nurse.first_name = "Lina"
    nurse.save()
    nurse.refresh_from_db()
    assert nurse.unit_id == hospital.pk


# --- roles are scoped to kinds of unit --------------------------------------------------------------


def test_every_role_has_a_scope_rule_and_city_wide_roles_take_any_unit() -> None:
    assert set(ROLE_UNIT_KINDS) | Role.CITYWIDE_ROLES == set(Role.values())
    for role in Role.CITYWIDE_ROLES:
        assert unit_kinds_for(role) is None
    assert unit_kinds_for(Role.CITIZEN) == frozenset()
    assert unit_kinds_for(Role.URC_OFFICER) == {Kind.URC_TEAM}
    assert unit_kinds_for(Role.PSC_DISPATCHER) == {Kind.PSC_CENTRE}
    assert set().union(*ROLE_UNIT_KINDS.values()) <= set(Kind.values())


@pytest.mark.parametrize(
    ("role", "kind", "allowed"),
    [
        (Role.AGENCY_ADMIN, Kind.AGENCY, True),
        (Role.AGENCY_ADMIN, Kind.HOSPITAL, False),
        (Role.URC_OFFICER, Kind.URC_TEAM, True),
        (Role.URC_OFFICER, Kind.AGENCY, False),
        (Role.HEALTH_OFFICER, Kind.PUSKESMAS, True),
        (Role.JUMANTIK, Kind.KELURAHAN_OFFICE, True),
        (Role.JUMANTIK, Kind.KECAMATAN_OFFICE, False),
        (Role.PSC_CALL_TAKER, Kind.PSC_CENTRE, True),
        (Role.PSC_CALL_TAKER, Kind.HOSPITAL, False),
        (Role.AMBULANCE_CREW, Kind.AMBULANCE_UNIT, True),
        (Role.HOSPITAL_STAFF, Kind.HOSPITAL, True),
        (Role.HOSPITAL_STAFF, Kind.PSC_CENTRE, False),
        (Role.MAYOR, Kind.KECAMATAN_OFFICE, True),
        (Role.POC_OPERATOR, Kind.PSC_CENTRE, True),
        (Role.CITIZEN, Kind.KELURAHAN_OFFICE, False),
    ],
)
def test_a_role_belongs_only_to_the_kinds_of_unit_it_is_scoped_to(role: str, kind: str, allowed: bool) -> None:
    unit = OrganisationUnit(kind=kind, code="x", name="X")
    if allowed:
        check_role_scope(role, unit)
    else:
        with pytest.raises(ValidationError) as refused:
            check_role_scope(role, unit)
        assert refused.value.code == "role_scope"
    check_role_scope(role, None)  # no unit (yet) is always allowed


def test_the_refusal_names_the_role_and_the_kinds_that_would_do() -> None:
    psc = make_unit(Kind.PSC_CENTRE, "psc-119")
    user = User(username="rina", role=Role.HOSPITAL_STAFF, unit=psc)
    with pytest.raises(ValidationError) as refused:
        user.full_clean(exclude=["password"])
    [message] = refused.value.message_dict["unit"]
    assert message == (
        "Peran Petugas rumah sakit hanya boleh bergabung dengan unit jenis: Klinik, Puskesmas, Rumah sakit "
        "(bukan PSC 119)."
    )
    citizen = User(username="siti", role=Role.CITIZEN, unit=psc)
    with pytest.raises(ValidationError, match="tidak bergabung dengan unit organisasi"):
        citizen.full_clean(exclude=["password"])


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(make_user(Role.SYSTEM_ADMIN, username="root", is_staff=True, is_superuser=True))
    return client


def test_the_user_admin_refuses_a_unit_outside_the_roles_scope(admin_client: Client) -> None:
    kelurahan = make_unit(Kind.KELURAHAN_OFFICE, "kel-margahayu")
    puskesmas = make_unit(Kind.PUSKESMAS, "pkm-margahayu")
    user = make_user(Role.CITIZEN, username="nur")
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "username": "nur",
        "role": Role.AMBULANCE_CREW,
        "unit": kelurahan.pk,
        "is_active": "on",
        "date_joined_0": "2026-01-05",
        "date_joined_1": "08:00:00",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Peran Kru ambulans hanya boleh bergabung dengan unit jenis" in response.content.decode()
    user.refresh_from_db()
    assert (user.role, user.unit_id) == (Role.CITIZEN, None)

    # An agency's unit is reached through the agency field, not picked as a unit.
    dinkes = make_agency("dinkes")
    response = admin_client.post(url, {**data, "role": Role.HEALTH_OFFICER, "unit": dinkes.unit_id})
    assert response.status_code == 200
    assert "Unit OPD dan tim URC diisi lewat kolom OPD dan tim URC" in response.content.decode()
    response = admin_client.post(url, {**data, "role": Role.HEALTH_OFFICER, "agency": dinkes.pk})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.agency_id, user.unit_id) == (Role.HEALTH_OFFICER, dinkes.pk, dinkes.unit_id)

    response = admin_client.post(url, {**data, "role": Role.JUMANTIK, "unit": puskesmas.pk})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.role, user.unit_id) == (Role.JUMANTIK, puskesmas.pk)


def test_the_admin_lists_units_and_keeps_agency_units_read_only(admin_client: Client) -> None:
    agency = make_agency("dlh")
    assert agency.unit is not None
    make_unit(Kind.HOSPITAL, "rs-cipto", inside_city=False, latitude=-6.196, longitude=106.846)
    listing = admin_client.get("/admin/accounts/organisationunit/")
    assert listing.status_code == 200
    assert b"RS-CIPTO" in listing.content
    page = admin_client.get(f"/admin/accounts/organisationunit/{agency.unit.pk}/change/")
    assert page.status_code == 200
    assert b'name="name"' not in page.content  # read-only: edited through the agency
    refused = admin_client.post(
        "/admin/accounts/organisationunit/add/",
        {"kind": Kind.AGENCY, "code": "opd-baru", "name": "OPD baru", "inside_city": "on", "is_active": "on"},
    )
    assert refused.status_code == 200
    assert not OrganisationUnit.objects.filter(code="opd-baru").exists()


# --- places ------------------------------------------------------------------------------------------


def test_a_hospital_may_lie_outside_the_city_a_kelurahan_office_may_not() -> None:
    load_areas()
    jakarta = OrganisationUnit(
        kind=Kind.HOSPITAL, code="rscm", name="RSCM", inside_city=False, latitude=-6.1966, longitude=106.8470
    )
    jakarta.full_clean()
    office = OrganisationUnit(kind=Kind.KELURAHAN_OFFICE, code="kel-x", name="Kel X", inside_city=False)
    with pytest.raises(ValidationError) as refused:
        office.full_clean()
    assert "inside_city" in refused.value.message_dict
    village = Village.objects.select_related("district").first()
    assert village is not None
    elsewhere = OrganisationUnit(kind=Kind.CLINIC, code="k", name="K", inside_city=False, village=village)
    with pytest.raises(ValidationError) as refused:
        elsewhere.full_clean()
    assert "village" in refused.value.message_dict
    other_district = District.objects.exclude(pk=village.district_id).first()
    mismatched = OrganisationUnit(kind=Kind.PUSKESMAS, code="p", name="P", village=village, district=other_district)
    with pytest.raises(ValidationError, match="tidak berada di kecamatan"):
        mismatched.full_clean()
    half_point = OrganisationUnit(kind=Kind.PUSKESMAS, code="q", name="Q", latitude=-6.2)
    with pytest.raises(ValidationError, match="lintang dan bujur"):
        half_point.full_clean()


def test_a_unit_cannot_be_its_own_ancestor() -> None:
    top = make_unit(Kind.KECAMATAN_OFFICE, "kec")
    below = make_unit(Kind.KELURAHAN_OFFICE, "kel", parent=top)
    top.parent = below
    with pytest.raises(ValidationError, match="induk dirinya sendiri"):
        top.full_clean()


def test_the_area_offices_are_seeded_once_under_their_kecamatan() -> None:
    load_areas()
    assert load_area_offices() == 12 + 56
    assert load_area_offices() == 0
    village = Village.objects.select_related("district").get(code=Village.objects.order_by("code").first().code)  # type: ignore[union-attr]
    office = OrganisationUnit.objects.get(kind=Kind.KELURAHAN_OFFICE, village=village)
    assert office.parent is not None
    assert (office.parent.kind, office.parent.district_id) == (Kind.KECAMATAN_OFFICE, village.district_id)
    assert office.name == f"Kelurahan {village.name}"


# --- who is in scope ---------------------------------------------------------------------------------


def test_units_in_scope_and_users_of_a_unit() -> None:
    agency, other_agency = make_agency(), make_agency()
    team = make_team(agency)
    hospital = make_unit(Kind.HOSPITAL, "rs")
    admin = make_user(Role.AGENCY_ADMIN, agency=agency)
    urc = make_user(Role.URC_OFFICER, team=team)
    nurse = make_user(Role.HOSPITAL_STAFF, unit=hospital)
    make_user(Role.HOSPITAL_STAFF, unit=hospital, is_active=False)
    mayor = make_user(Role.MAYOR)
    citizen = make_user(Role.CITIZEN)

    assert set(units_in_scope(admin)) == {agency.unit, team.unit}
    assert set(units_in_scope(urc)) == {team.unit}
    assert set(units_in_scope(nurse)) == {hospital}
    assert set(units_in_scope(mayor)) == set(OrganisationUnit.objects.all())
    assert other_agency.unit in set(units_in_scope(mayor))
    assert not units_in_scope(citizen).exists()
    assert not units_in_scope(AnonymousUser()).exists()  # type: ignore[arg-type]
    assert not units_in_scope(make_user(Role.PSC_CALL_TAKER)).exists()  # placed nowhere yet

    agency_unit = Agency.objects.get(pk=agency.pk).unit
    team_unit = ResponseTeam.objects.get(pk=team.pk).unit
    assert agency_unit is not None and team_unit is not None
    assert list(users_of_unit(agency_unit)) == [admin]
    assert set(users_of_unit(agency_unit, with_descendants=True)) == {admin, urc}
    assert list(users_of_unit(team_unit)) == [urc]
    assert list(users_of_unit(hospital)) == [nurse]


def test_the_seeded_agencies_teams_and_demo_staff_are_placed_in_their_units(settings: Settings) -> None:
    settings.PATRIOT_DEMO = True
    call_command("seed", "--demo", stdout=StringIO())
    for agency in Agency.objects.select_related("unit"):
        assert agency.unit is not None and (agency.unit.kind, agency.unit.code) == (Kind.AGENCY, agency.code)
    for team in ResponseTeam.objects.select_related("unit", "agency"):
        assert team.unit is not None and team.unit.parent_id == team.agency.unit_id
    assert OrganisationUnit.objects.filter(kind=Kind.KELURAHAN_OFFICE).count() == 56
    for user in User.objects.select_related("unit", "agency", "team"):
        check_role_scope(user.role, user.unit)
        if user.team is not None:
            assert user.unit_id == user.team.unit_id, user.username
        elif user.agency is not None:
            assert user.unit_id == user.agency.unit_id, user.username
    assert User.objects.get(username="urc_dlh").unit == ResponseTeam.objects.get(code="urc-dlh-kebersihan").unit
