"""Citizens' reports stay inside the city, even though geo can now place a point beyond it for other domains."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from patriot.cases.choices import ChannelChoices
from patriot.cases.models import Case
from patriot.core.errors import InvalidInput
from patriot.geo.lookup import place
from tests.factories import OUTSIDE_CITY, make_agency, make_case, make_category

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("areas")]


@pytest.fixture
def category() -> Any:
    return make_category("jalan-berlubang", default_agency=make_agency("dbmsda"))


@pytest.mark.parametrize("channel", ChannelChoices.values())
def test_every_channel_refuses_a_point_that_geo_could_place_outside_the_city(category: Any, channel: str) -> None:
    assert not place(*OUTSIDE_CITY).inside_city, "the point is a legal place for the domains that need one"

    with pytest.raises(InvalidInput) as refused:
        make_case(category, lat=OUTSIDE_CITY[0], lon=OUTSIDE_CITY[1], channel=channel)

    assert (refused.value.code, refused.value.field) == ("outside_city", "location")
    assert Case.objects.count() == 0


@pytest.mark.parametrize("flag", ["allow_outside", "inside_city", "outside_city"])
def test_the_report_api_offers_no_way_to_file_outside_the_city(category: Any, flag: str) -> None:
    response = Client().post(
        "/api/v1/cases",
        {
            "category": "jalan-berlubang",
            "description": "Lubang besar di depan rumah sakit rujukan.",
            "latitude": OUTSIDE_CITY[0],
            "longitude": OUTSIDE_CITY[1],
            flag: flag != "inside_city",
        },
        content_type="application/json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "outside_city"
    assert Case.objects.count() == 0
