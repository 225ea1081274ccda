"""The public bed board (/tempat-tidur/) and the hospital's one-tap phone page (/rumah-sakit/tempat-tidur/)."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.referrals import services
from patriot.referrals.models import BedChange, BedCount, Facility
from patriot.referrals.services import BedFigures
from tests.factories import make_user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_board_shows_free_beds_and_no_patient_or_staff_data(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    nurse.first_name, nurse.last_name = "Siti", "Perawatwati"
    nurse.save()
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6, reserved=1, queue=4), room="ICU Mawar")
    services.set_beds(other_nurse, other_hospital, "nicu", BedFigures(total=3, occupied=1))
    response = Client().get("/tempat-tidur/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "RSUD Kota Bekasi" in page and "RS Jakarta" in page
    assert 'data-hospital="rsud-bekasi"' in page and 'data-bed-type="icu"' in page
    for private in ("Siti", "Perawatwati", "perawat-1", "ICU Mawar"):
        assert private not in page
    filtered = Client().get("/tempat-tidur/?jenis=nicu").content.decode()
    assert 'data-bed-type="nicu"' in filtered and 'data-bed-type="icu"' not in filtered


def test_the_board_marks_stale_figures(nurse: User, hospital: Facility) -> None:
    bed = services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    BedCount.objects.filter(pk=bed.pk).update(updated_at=bed.updated_at - timedelta(hours=7))
    page = Client().get("/tempat-tidur/").content.decode()
    assert 'class="stale"' in page and "usang" in page


def test_one_tap_on_the_phone_page_writes_one_history_row(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    client = signed_in(nurse)
    page = client.get("/rumah-sakit/tempat-tidur/")
    assert page.status_code == 200 and 'data-bed-type="icu"' in page.content.decode()
    response = client.post("/rumah-sakit/tempat-tidur/ubah/", {"bed_type": "icu", "field": "occupied", "delta": "1"})
    assert response.status_code == 302
    assert BedCount.objects.get().occupied == 7
    assert BedChange.objects.count() == 2


def test_the_phone_form_adds_a_bed_type(nurse: User, hospital: Facility) -> None:
    client = signed_in(nurse)
    response = client.post(
        "/rumah-sakit/tempat-tidur/",
        {"bed_type": "hcu", "room": "", "total": "4", "occupied": "5", "reserved": "0", "queue": "0"},
    )
    assert response.status_code == 400 and not BedCount.objects.exists()
    response = client.post(
        "/rumah-sakit/tempat-tidur/",
        {"bed_type": "hcu", "room": "", "total": "4", "occupied": "1", "reserved": "0", "queue": "0"},
    )
    assert response.status_code == 302 and BedCount.objects.get().free == 3


def test_other_roles_may_not_open_the_phone_page(hospital: Facility) -> None:
    assert signed_in(make_user(RoleChoices.CITIZEN)).get("/rumah-sakit/tempat-tidur/").status_code == 403
    unplaced = make_user(RoleChoices.HOSPITAL_STAFF)
    assert signed_in(unplaced).get("/rumah-sakit/tempat-tidur/").status_code == 403
    assert Client().get("/rumah-sakit/tempat-tidur/").status_code == 302
