"""Items 10–11: every read of a household's data (address, point, photo, answers) is recorded in the personal-data
audit with its purpose; Dinkes is the city health agency only; the admin, the POC, the public and other areas'
supervisors read no household."""

from __future__ import annotations

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import Agency, User
from patriot.accounts.services import load_agencies
from patriot.cases.seed import load_categories
from patriot.core.choices import PersonalDataChoices
from patriot.core.models import PersonalDataAccess
from patriot.core.registry import retention_rules
from patriot.larvae import queries, services
from patriot.larvae.audit import SUBJECT, household_reads
from patriot.larvae.models import AreaAlert, Inspection
from patriot.larvae.scope import is_city_health_agency
from patriot.larvae.services import thresholds
from tests.factories import BINTARA, make_agency, make_user
from tests.larvae.conftest import inspection_submission
from tests.larvae.test_supervision import client_for, coordinator, puskesmas_officer

pytestmark = pytest.mark.usefixtures("areas")

SECRET = "Jl. Rahasia No. 13"


def dinkes() -> User:
    agency = Agency.objects.filter(code="dinkes").first() or make_agency("dinkes")
    return make_user(Role.HEALTH_OFFICER, agency=agency)


@pytest.fixture
def house(jumantik: User) -> Inspection:
    return services.record_inspection(
        jumantik, inspection_submission(address=SECRET, containers=[("drum", "outdoor", 2, 1)])
    ).inspection


@pytest.fixture
def elsewhere(other_jumantik: User) -> Inspection:
    submission = inspection_submission(address="Jl. Kenari No. 5", lat=BINTARA[0], lon=BINTARA[1], rw=1, rt=1)
    return services.record_inspection(other_jumantik, submission).inspection


def reads() -> list[tuple[int, str, str]]:
    return list(
        PersonalDataAccess.objects.filter(subject_type=SUBJECT)
        .order_by("id")
        .values_list("user_id", "subject_id", "data")
    )


def test_the_household_kind_is_a_personal_data_choice() -> None:
    assert PersonalDataChoices.HOUSEHOLD in PersonalDataChoices.values()
    field = PersonalDataAccess._meta.get_field("data")
    assert PersonalDataChoices.HOUSEHOLD in dict(field.choices)  # type: ignore[arg-type]
    assert any(rule.days_setting == "PATRIOT_RETENTION_ACCESS_AUDIT_DAYS" for rule in retention_rules())


def test_the_list_the_detail_and_the_photo_each_record_who_read_which_house_and_why(
    house: Inspection, elsewhere: Inspection
) -> None:
    reader = puskesmas_officer("Margahayu")
    client = client_for(reader)
    assert SECRET in client.get("/jumantik/pengawasan/").content.decode()
    assert reads() == [(reader.pk, str(house.pk), "household")]  # the Bintara house was not shown, not recorded
    assert client.get(f"/jumantik/pemeriksaan/{house.pk}/").status_code == 200
    assert client.get(f"/jumantik/pemeriksaan/{house.pk}/foto/").status_code == 404  # no photo: nothing shown
    purposes = [access.purpose for access in household_reads(house.pk)]
    assert purposes == ["Rincian pemeriksaan rumah", "Daftar pemeriksaan rumah (pengawasan jumantik)"]
    assert all(access.user_id == reader.pk for access in household_reads(house.pk))


def test_a_refused_read_records_nothing(house: Inspection) -> None:
    for user in (puskesmas_officer("Bintara"), coordinator("Margahayu", 4), make_user(Role.JUMANTIK)):
        assert client_for(user).get(f"/jumantik/pemeriksaan/{house.pk}/").status_code == 404, user.role
    for role in (Role.POC_OPERATOR, Role.MAYOR, Role.CITIZEN, Role.SYSTEM_ADMIN, Role.URC_OFFICER):
        client = client_for(make_user(role))
        assert client.get(f"/jumantik/pemeriksaan/{house.pk}/").status_code == 403, role
        assert client.get("/jumantik/pengawasan/").status_code == 403, role
    assert Client().get(f"/jumantik/pemeriksaan/{house.pk}/").status_code == 302
    assert reads() == []


def test_the_jumantik_s_own_week_and_the_quality_page_record_the_houses_they_show(
    jumantik: User, house: Inspection
) -> None:
    again = services.record_inspection(jumantik, inspection_submission(address=SECRET)).inspection
    body = client_for(jumantik).get("/jumantik/").content.decode()
    assert SECRET in body
    assert sorted(subject for _user, subject, _data in reads()) == sorted([str(house.pk), str(again.pk)])
    PersonalDataAccess.objects.all().delete()
    reader = coordinator("Margahayu", 3)
    body = client_for(reader).get("/jumantik/mutu/").content.decode()
    assert SECRET in body  # the same house twice this week
    assert sorted(subject for _user, subject, _data in reads()) == sorted([str(house.pk), str(again.pk)])
    assert {access.purpose for access in PersonalDataAccess.objects.all()} == {
        "Mutu data jumantik (rumah ganda, di luar RT)"
    }


def test_dinkes_is_the_city_health_agency_not_any_agency_s_health_officer(house: Inspection) -> None:
    city = dinkes()
    assert is_city_health_agency(city)
    assert SECRET in {i.address for i in queries.visible_inspections(city)}
    for other in (
        make_user(Role.HEALTH_OFFICER, agency=make_agency("dinsos")),
        make_user(Role.HEALTH_OFFICER),
        make_user(Role.AGENCY_OFFICER, agency=city.agency),
    ):
        assert not is_city_health_agency(other), other.role
        assert not queries.visible_inspections(other).exists(), other.role
        assert client_for(other).get(f"/jumantik/pemeriksaan/{house.pk}/").status_code in (403, 404)
    city.agency.is_active = False  # type: ignore[union-attr]
    city.agency.save()  # type: ignore[union-attr]
    assert not is_city_health_agency(User.objects.get(pk=city.pk))
    assert reads() == []


def test_the_admin_never_shows_a_household(house: Inspection) -> None:
    admin = make_user(Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client = client_for(admin)
    response = client.get(f"/admin/larvae/inspection/{house.pk}/change/")
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert SECRET not in client.get("/admin/larvae/inspection/").content.decode()


@pytest.fixture
def alert(jumantik: User) -> AreaAlert:
    load_agencies()
    load_categories()
    thresholds.seed_default_thresholds()
    for n in range(10):
        positive = 1 if n < 3 else 0
        submission = inspection_submission(
            address=f"{SECRET} blok {n}", containers=[("drum", "outdoor", 2, positive)], rt=n % 3 + 1
        )
        services.record_inspection(jumantik, submission)
    thresholds.check_thresholds()
    return AreaAlert.objects.get()


def test_the_alert_s_positive_houses_open_to_the_area_s_supervisors_with_the_read_recorded(alert: AreaAlert) -> None:
    url = f"/jumantik/wilayah/peringatan/{alert.pk}/rumah/"
    positive = set(Inspection.objects.filter(is_positive=True).values_list("pk", flat=True))
    for reader in (dinkes(), puskesmas_officer("Margahayu"), coordinator("Margahayu", 3)):
        PersonalDataAccess.objects.all().delete()
        body = client_for(reader).get(url).content.decode()
        assert f"{SECRET} blok 0" in body and f"{SECRET} blok 5" not in body  # positive houses only
        assert {int(subject) for _user, subject, _data in reads()} == positive
        assert {access.purpose for access in PersonalDataAccess.objects.all()} == {
            f"Rumah positif jentik dari peringatan wilayah {alert.case.tracking_number}"
        }
    PersonalDataAccess.objects.all().delete()
    for reader in (puskesmas_officer("Bintara"), coordinator("Margahayu", 4)):
        assert client_for(reader).get(url).status_code == 404
    for role in (Role.POC_OPERATOR, Role.URC_OFFICER, Role.MAYOR, Role.CITIZEN, Role.JUMANTIK):
        assert client_for(make_user(role)).get(url).status_code == 403, role
    assert Client().get(url).status_code == 302
    assert reads() == []
    # The case itself lists the houses by inspection number only, and the alerts page links Dinkes to them.
    notes = " ".join(alert.case.timeline.values_list("note", flat=True))
    assert SECRET not in notes and "#" in notes
    assert url in client_for(dinkes()).get("/jumantik/wilayah/peringatan/").content.decode()


def test_the_weekly_recap_csv_holds_no_household(alert: AreaAlert) -> None:
    client = client_for(dinkes())
    response = client.get(f"/jumantik/wilayah/rekap/{alert.village.code}.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()  # type: ignore[attr-defined]
    assert SECRET not in body and "RW" in body
    assert reads() == []
