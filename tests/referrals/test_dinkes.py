"""Dinkes' page (/dinkes/): bed occupancy over time per type, city-wide or one hospital; Dinkes, the POC and the
mayor only."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.referrals import services
from patriot.referrals.models import Facility
from patriot.referrals.services import BedFigures
from tests.factories import make_user


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def chart(page: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        page.split('<script id="bed-occupancy" type="application/json">')[1].split("</script>")[0]
    )
    return data


def test_dinkes_sees_occupancy_per_bed_type_and_per_hospital(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6, reserved=2))
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=10, occupied=2))
    services.set_beds(other_nurse, other_hospital, "nicu", BedFigures(total=4, occupied=1))
    client = signed_in(make_user(RoleChoices.HEALTH_OFFICER))
    response = client.get("/dinkes/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "vendor/chart.js/chart.umd.min.js" in page and 'id="tempat-tidur"' in page
    data = chart(page)
    datasets = {dataset["label"]: dataset["data"] for dataset in data["datasets"]}  # type: ignore[index, union-attr]
    assert len(data["labels"]) == 30  # type: ignore[arg-type]
    assert datasets["ICU"][-1] == 50.0 and datasets["NICU"][-1] == 25.0
    one = chart(client.get("/dinkes/?rs=rsud-bekasi").content.decode())
    assert [dataset["label"] for dataset in one["datasets"]] == ["ICU"]  # type: ignore[union-attr, index]
    assert one["datasets"][0]["data"][-1] == 80.0  # type: ignore[index]
    # An unknown hospital code is the whole city, not an error.
    assert len(chart(client.get("/dinkes/?rs=nope").content.decode())["datasets"]) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (RoleChoices.HEALTH_OFFICER, 200),
        (RoleChoices.POC_SUPERVISOR, 200),
        (RoleChoices.MAYOR, 200),
        (RoleChoices.HOSPITAL_STAFF, 403),
        (RoleChoices.CITIZEN, 403),
        (RoleChoices.JUMANTIK, 403),
        (RoleChoices.AGENCY_OFFICER, 403),
        (RoleChoices.PSC_CALL_TAKER, 403),
    ],
)
def test_only_dinkes_the_poc_and_the_mayor_open_the_page(db: None, role: str, status: int) -> None:
    assert signed_in(make_user(role)).get("/dinkes/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(db: None) -> None:
    assert Client().get("/dinkes/").status_code == 302


def test_the_menu_of_dinkes_links_the_page(db: None) -> None:
    page = signed_in(make_user(RoleChoices.HEALTH_OFFICER)).get("/dinkes/").content.decode()
    assert 'href="/dinkes/"' in page
    hospital_page = signed_in(make_user(RoleChoices.JUMANTIK)).get("/jumantik/").content.decode()
    assert 'href="/dinkes/"' not in hospital_page
