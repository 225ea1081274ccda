"""POST /api/v1/referrals/beds: a hospital's system reports its beds in the national format, as staff of that
hospital only: anonymous 401, a citizen or another hospital's staff 403."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.referrals.models import BedChange, BedCount, Facility
from tests.factories import make_user

URL = "/api/v1/referrals/beds"


def body(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "facility": "rsud-bekasi",
        "id_tt": "icu",
        "ruang": "ICU Lt. 3",
        "jumlah": 12,
        "terpakai": 9,
        "antrian": 3,
    }
    values.update(overrides)
    return values


def post(user: User | None, payload: dict[str, Any]) -> Any:
    headers: dict[str, Any] = {}
    if user is not None:
        _token, raw = create_api_token(user, "sirs")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return Client().post(URL, json.dumps(payload), content_type="application/json", **headers)


def test_hospital_staff_report_their_own_beds(nurse: User, hospital: Facility) -> None:
    response = post(nurse, body())
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["jumlah"], answer["terpakai"], answer["antrian"], answer["kosong"]) == (12, 9, 3, 3)
    bed = BedCount.objects.get()
    assert (bed.facility, bed.room, bed.total) == (hospital, "ICU Lt. 3", 12)
    assert BedChange.objects.get().source == "api"


def test_anonymous_is_401(hospital: Facility) -> None:
    assert post(None, body()).status_code == 401
    assert not BedCount.objects.exists()


def test_a_citizen_is_403(hospital: Facility) -> None:
    response = post(make_user(RoleChoices.CITIZEN), body())
    assert response.status_code == 403
    assert not BedCount.objects.exists()


def test_another_hospitals_staff_are_403(other_nurse: User, hospital: Facility) -> None:
    response = post(other_nurse, body())
    assert (response.status_code, response.json()["code"]) == (403, "other_facility")
    assert post(other_nurse, body(facility="no-such-hospital")).status_code == 403
    assert not BedCount.objects.exists()


def test_impossible_figures_are_400_with_the_field(nurse: User, hospital: Facility) -> None:
    response = post(nurse, body(terpakai=13))
    assert response.status_code == 400
    assert response.json()["field"] == "occupied"
    response = post(nurse, body(id_tt="kamar-mayat"))
    assert (response.status_code, response.json()["field"]) == (400, "bed_type")
    assert not BedCount.objects.exists()


def test_the_public_board_api_gives_stale_figures_without_a_free_count(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    from datetime import timedelta

    assert post(nurse, body(ruang="ICU Mawar")).status_code == 200
    assert (
        post(other_nurse, body(facility="rs-jakarta", id_tt="nicu", jumlah=4, terpakai=1, antrian=0)).status_code == 200
    )
    stale = BedCount.objects.get(bed_type="nicu")
    BedCount.objects.filter(pk=stale.pk).update(updated_at=stale.updated_at - timedelta(hours=7))
    response = Client().get(URL)
    assert response.status_code == 200
    rows = {row["id_tt"]: row for row in response.json()}
    assert rows["icu"]["kosong"] == 3 and rows["icu"]["usang"] is False
    assert rows["nicu"]["kosong"] is None and rows["nicu"]["usang"] is True and rows["nicu"]["jumlah"] == 4
    assert set(rows["icu"]) == {"facility", "nama", "id_tt", "jumlah", "kosong", "updated_at", "usang"}
    assert "ICU Mawar" not in response.content.decode() and "antrian" not in response.content.decode()
    only = Client().get(URL + "?id_tt=icu").json()
    assert [row["id_tt"] for row in only] == ["icu"]
    assert Client().get(URL + "?id_tt=sofa").status_code == 400
