"""The public bed board (/tempat-tidur/) and the hospital's one-tap phone page (/rumah-sakit/tempat-tidur/)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

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


def test_a_tap_asking_for_json_answers_the_new_figures_without_a_redirect(nurse: User, hospital: Facility) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    client = signed_in(nurse)
    tap = {"bed_type": "icu", "field": "occupied", "delta": "1"}
    response = client.post("/rumah-sakit/tempat-tidur/ubah/", tap, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    answer = response.json()
    assert (answer["occupied"], answer["free"], answer["total"]) == (7, 3, 10) and answer["updated_label"]
    refused = client.post(
        "/rumah-sakit/tempat-tidur/ubah/", {**tap, "field": "total", "delta": "-1"}, HTTP_ACCEPT="application/json"
    )
    for _ in range(3):
        refused = client.post(
            "/rumah-sakit/tempat-tidur/ubah/", {**tap, "field": "total", "delta": "-1"}, HTTP_ACCEPT="application/json"
        )
    assert refused.status_code == 400 and "tidak boleh melebihi" in refused.json()["error"]
    assert BedCount.objects.get().total == 7


def test_another_hospitals_staff_and_other_roles_cannot_tap(nurse: User, hospital: Facility, other_nurse: User) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    tap = {"bed_type": "icu", "field": "occupied", "delta": "1"}
    # The other hospital's nurse taps her own page: there is no ICU row at her hospital, and ours is untouched.
    response = signed_in(other_nurse).post("/rumah-sakit/tempat-tidur/ubah/", tap, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    for role in (RoleChoices.CITIZEN, RoleChoices.HEALTH_OFFICER, RoleChoices.POC_SUPERVISOR, RoleChoices.MAYOR):
        assert signed_in(make_user(role)).post("/rumah-sakit/tempat-tidur/ubah/", tap).status_code == 403
    assert Client().post("/rumah-sakit/tempat-tidur/ubah/", tap).status_code == 302
    assert BedCount.objects.get().occupied == 6 and BedChange.objects.count() == 1


def test_the_board_has_a_map_of_public_figures_and_a_filter_that_works_without_script(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    hospital.unit.latitude, hospital.unit.longitude = -6.2383, 106.9756
    hospital.unit.save()
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6, queue=5), room="ICU Mawar")
    services.set_beds(nurse, hospital, "class_3", BedFigures(total=40, occupied=40))
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=5, occupied=1))
    stale = BedCount.objects.get(facility=hospital, bed_type="class_3")
    BedCount.objects.filter(pk=stale.pk).update(updated_at=stale.updated_at - timedelta(hours=9))
    response = Client().get("/tempat-tidur/")
    page = response.content.decode()
    assert 'id="bed-map"' in page and "vendor/leaflet/leaflet.js" in page and "referrals/board.js" in page
    points = json.loads(page.split('<script id="bed-points" type="application/json">')[1].split("</script>")[0])
    assert [point["code"] for point in points] == ["rsud-bekasi"]  # the other hospital has no point
    beds = {bed["type"]: bed for bed in points[0]["beds"]}
    assert beds["icu"]["free"] == 4 and beds["class_3"]["free"] is None  # stale: never a current count
    assert "ICU Mawar" not in page and '"queue"' not in page
    # The filter is a GET form; with it the most free beds come first.
    icu = Client().get("/tempat-tidur/?jenis=icu").content.decode()
    assert '<form method="get"' in icu and 'data-bed-type="class_3"' not in icu
    assert icu.index('data-hospital="rs-jakarta"') < icu.index('data-hospital="rsud-bekasi"')
    assert Client().get("/tempat-tidur/?jenis=sofa").status_code == 200


def test_the_board_renders_every_hospital_and_no_tile_server_when_none_is_set(
    nurse: User, hospital: Facility, settings: Any
) -> None:
    hospital.unit.latitude, hospital.unit.longitude = -6.2383, 106.9756
    hospital.unit.save()
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    settings.PATRIOT_TILE_URL = ""
    page = Client().get("/tempat-tidur/").content.decode()
    assert 'data-tile-url=""' in page and "https://" not in page.split("<main")[1]


def test_the_cached_board_is_never_behind_a_change_or_a_figure_turning_stale(nurse: User, hospital: Facility) -> None:
    from patriot.core import clock

    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    first = Client().get("/tempat-tidur/").content.decode()
    assert "<span data-free>4</span>" in first
    services.tap(nurse, hospital, "icu", "occupied", 1)
    assert "<span data-free>3</span>" in Client().get("/tempat-tidur/").content.decode()
    # Six hours and a second later, with no change: the same figure is stale, not current.
    with clock.pinned(clock.now() + timedelta(hours=6, seconds=1)):
        later = Client().get("/tempat-tidur/").content.decode()
    assert "<span data-free>–</span>" in later and 'class="stale"' in later


def test_the_board_and_dinkes_page_speak_english_when_chosen(nurse: User, hospital: Facility, settings: Any) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    board = client.get("/tempat-tidur/?jenis=nicu").content.decode()
    assert "Figures update live." in board and "No NICU beds reported yet." in board
    dinkes = signed_in(make_user(RoleChoices.HEALTH_OFFICER))
    dinkes.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = dinkes.get("/dinkes/").content.decode()
    assert "Bed occupancy per bed type in percent, last 30 days" in page and "Whole city" in page
