"""Who sees households: the jumantik who entered them, their coordinator (RW or kelurahan), the puskesmas of the
kelurahan and Dinkes; never another jumantik, another area's supervisors, the POC, the mayor or the public. RT
targets are set by a supervisor of the RT only; the week page counts the RT's houses against its target."""

from __future__ import annotations

import pytest
from django.test import Client
from django.test.utils import override_settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.core.errors import Forbidden
from patriot.core.views import home_for
from patriot.geo.models import Village
from patriot.larvae import queries, services
from patriot.larvae.models import FieldAssignment, Inspection, RtTarget
from tests.core.test_layout import csp_problems
from tests.factories import BINTARA, make_agency, make_user
from tests.larvae.conftest import inspection_submission

pytestmark = pytest.mark.usefixtures("areas")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def village(name: str) -> Village:
    return Village.objects.get(name=name)


def puskesmas_officer(village_name: str) -> User:
    place = village(village_name)
    unit = OrganisationUnit.objects.create(
        kind=UnitKindChoices.PUSKESMAS,
        code=f"pkm-{place.pk}",
        name=f"Puskesmas {place.name}",
        village=place,
        district=place.district,
    )
    return make_user(Role.HEALTH_OFFICER, unit=unit)


def coordinator(village_name: str, rw: int | None) -> User:
    user = make_user(Role.JUMANTIK_COORDINATOR)
    FieldAssignment.objects.create(user=user, village=village(village_name), rw=rw)
    return user


@pytest.fixture
def houses(jumantik: User, other_jumantik: User) -> dict[str, Inspection]:
    """RW 3 and RW 4 of Margahayu by one jumantik, and Bintara by another."""
    return {
        "rw3": services.record_inspection(jumantik, inspection_submission(address="Jl. Melati No. 7", rw=3)).inspection,
        "rw4": services.record_inspection(jumantik, inspection_submission(address="Jl. Mawar No. 2", rw=4)).inspection,
        "bintara": services.record_inspection(
            other_jumantik,
            inspection_submission(address="Jl. Kenari No. 5", lat=BINTARA[0], lon=BINTARA[1], rw=1, rt=1),
        ).inspection,
    }


def _addresses(user: User) -> set[str]:
    return set(queries.visible_inspections(user).values_list("address", flat=True))


def test_each_role_reads_the_households_of_its_own_area_only(
    houses: dict[str, Inspection], jumantik: User, other_jumantik: User
) -> None:
    everything = {"Jl. Melati No. 7", "Jl. Mawar No. 2", "Jl. Kenari No. 5"}
    assert _addresses(jumantik) == {"Jl. Melati No. 7", "Jl. Mawar No. 2"}
    assert _addresses(other_jumantik) == {"Jl. Kenari No. 5"}
    assert _addresses(coordinator("Margahayu", 3)) == {"Jl. Melati No. 7"}
    assert _addresses(coordinator("Margahayu", None)) == {"Jl. Melati No. 7", "Jl. Mawar No. 2"}
    assert _addresses(make_user(Role.JUMANTIK_COORDINATOR)) == set()  # not placed anywhere yet
    assert _addresses(puskesmas_officer("Margahayu")) == {"Jl. Melati No. 7", "Jl. Mawar No. 2"}
    assert _addresses(puskesmas_officer("Bintara")) == {"Jl. Kenari No. 5"}
    assert _addresses(make_user(Role.HEALTH_OFFICER, agency=make_agency("dinkes"))) == everything
    for role in (Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.MAYOR, Role.CITIZEN, Role.CALLCENTRE_OPERATOR):
        assert _addresses(make_user(role)) == set(), role


def test_the_supervision_list_shows_addresses_to_the_area_s_supervisors_only(houses: dict[str, Inspection]) -> None:
    response = client_for(coordinator("Margahayu", 3)).get("/jumantik/pengawasan/")
    assert response.status_code == 200
    body = response.content.decode()
    assert not csp_problems(body)
    assert "Jl. Melati No. 7" in body and "Jl. Mawar No. 2" not in body and "Jl. Kenari" not in body
    body = client_for(puskesmas_officer("Bintara")).get("/jumantik/pengawasan/").content.decode()
    assert "Jl. Kenari No. 5" in body and "Jl. Melati" not in body
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.JUMANTIK, Role.CITIZEN):
        response = client_for(make_user(role)).get("/jumantik/pengawasan/")
        assert response.status_code == 403, role
        assert "Jl. Melati" not in response.content.decode()
    response = Client().get("/jumantik/pengawasan/")
    assert response.status_code == 302 and response["Location"].startswith("/masuk/")
    # A coordinator not placed yet is told so, and sees nobody's houses.
    response = client_for(make_user(Role.JUMANTIK_COORDINATOR)).get("/jumantik/pengawasan/")
    assert response.status_code == 403 and "Wilayah belum ditetapkan" in response.content.decode()


def test_one_inspection_opens_for_its_jumantik_and_supervisors_only(
    houses: dict[str, Inspection], jumantik: User, other_jumantik: User
) -> None:
    url = f"/jumantik/pemeriksaan/{houses['rw3'].pk}/"
    for user in (
        jumantik,
        coordinator("Margahayu", 3),
        puskesmas_officer("Margahayu"),
        make_user(Role.HEALTH_OFFICER, agency=make_agency("dinkes")),
    ):
        response = client_for(user).get(url)
        assert response.status_code == 200, user.role
        assert "Jl. Melati No. 7" in response.content.decode()
    for user in (other_jumantik, coordinator("Margahayu", 4), puskesmas_officer("Bintara")):
        assert client_for(user).get(url).status_code == 404, user.role
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.CITIZEN, Role.SYSTEM_ADMIN):
        assert client_for(make_user(role)).get(url).status_code == 403, role
    assert client_for(jumantik).get(f"/jumantik/pemeriksaan/{houses['rw3'].pk}/foto/").status_code == 404


def test_the_supervision_list_filters_by_rt_and_by_the_ids_a_finding_names(houses: dict[str, Inspection]) -> None:
    client = client_for(puskesmas_officer("Margahayu"))
    body = client.get("/jumantik/pengawasan/", {"rw": 4}).content.decode()
    assert "Jl. Mawar No. 2" in body and "Jl. Melati" not in body
    # Ids outside the supervisor's area show nothing.
    body = client.get("/jumantik/pengawasan/", {"id": [houses["rw3"].pk, houses["bintara"].pk]}).content.decode()
    assert "Jl. Melati No. 7" in body and "Jl. Kenari" not in body
    assert client.get("/jumantik/pengawasan/", {"minggu": "kemarin"}).status_code == 400


def test_a_coordinator_lands_on_the_supervision_page() -> None:
    assert home_for(coordinator("Margahayu", 3)) == "/jumantik/pengawasan/"


# --- RT targets ----------------------------------------------------------------------------------


def test_a_supervisor_sets_the_target_of_an_rt_in_their_area_only(jumantik: User) -> None:
    margahayu = village("Margahayu")
    rw3 = coordinator("Margahayu", 3)
    target = services.set_rt_target(rw3, village=margahayu, rw=3, rt=5, houses=40)
    assert (target.houses, target.updated_by) == (40, rw3)
    services.set_rt_target(rw3, village=margahayu, rw=3, rt=5, houses=35)
    assert RtTarget.objects.get().houses == 35
    for user, place, rw in (
        (rw3, margahayu, 4),
        (puskesmas_officer("Bintara"), margahayu, 3),
        (jumantik, margahayu, 3),
        (make_user(Role.POC_SUPERVISOR), margahayu, 3),
    ):
        with pytest.raises(Forbidden):
            services.set_rt_target(user, village=place, rw=rw, rt=5, houses=10)
    assert RtTarget.objects.get().houses == 35


def test_the_target_page_saves_and_lists_the_area_s_rts(jumantik: User) -> None:
    FieldAssignment.objects.create(user=jumantik, village=village("Margahayu"), rw=3, rt=5)
    services.record_inspection(jumantik, inspection_submission())
    client = client_for(coordinator("Margahayu", None))
    body = client.get("/jumantik/target/").content.decode()
    assert "RT 5/RW 3 Margahayu" in body and "(bawaan)" in body
    response = client.post("/jumantik/target/", {"village": village("Margahayu").pk, "rw": 3, "rt": 5, "houses": 44})
    assert response.status_code == 302
    assert RtTarget.objects.get(rw=3, rt=5).houses == 44
    # A kelurahan outside the coordinator's is not even a choice.
    response = client.post("/jumantik/target/", {"village": village("Bintara").pk, "rw": 1, "rt": 1, "houses": 9})
    assert response.status_code == 400
    assert not RtTarget.objects.filter(village__name="Bintara").exists()
    assert client_for(jumantik).get("/jumantik/target/").status_code == 403


@override_settings(PATRIOT_LARVAE_RT_TARGET_DEFAULT=25)
def test_the_jumantik_s_week_counts_their_rt_against_its_target(jumantik: User, other_jumantik: User) -> None:
    client = client_for(jumantik)
    assert "belum ditugaskan ke RT" in client.get("/jumantik/").content.decode()
    FieldAssignment.objects.create(user=jumantik, village=village("Margahayu"), rw=3, rt=5)
    services.record_inspection(jumantik, inspection_submission(address="Jl. A 1"))
    # A second jumantik of the same RT counts for the RT, not for this jumantik's own figures.
    services.record_inspection(other_jumantik, inspection_submission(address="Jl. A 2"))
    week = queries.jumantik_week(jumantik, clock.now())
    assert week.rt is not None
    assert (week.rt.houses_done, week.rt.target, week.rt.is_default) == (2, 25, True)
    assert week.figures.counts.houses == 1
    RtTarget.objects.create(village=village("Margahayu"), rw=3, rt=5, houses=8, updated_at=clock.now())
    body = client.get("/jumantik/").content.decode()
    assert 'data-figure="rt-done">2<' in body and 'data-figure="rt-target">8<' in body


def test_an_assignment_fits_the_role(jumantik: User) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        FieldAssignment(user=jumantik, village=village("Margahayu"), rw=3).clean()
    with pytest.raises(ValidationError):
        FieldAssignment(user=make_user(Role.POC_OPERATOR), village=village("Margahayu")).clean()
    FieldAssignment(user=make_user(Role.JUMANTIK_COORDINATOR), village=village("Margahayu")).clean()
