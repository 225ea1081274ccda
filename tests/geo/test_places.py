"""Placing a point that may lie outside the city: anywhere in Indonesia, with the kelurahan only inside."""

from __future__ import annotations

import math

import h3
import pytest
from django.utils import translation

from patriot.geo.lookup import (
    InvalidCoordinatesError,
    LocationError,
    OutsideCityError,
    OutsideIndonesiaError,
    locate,
    place,
)

MARGAHAYU = (-6.251143, 107.004300)
# A referral hospital in central Jakarta, a toll road in Karawang, Jayapura, and Sabang on Weh island.
JAKARTA = (-6.1862, 106.8311)
KARAWANG = (-6.3227, 107.3376)
JAYAPURA = (-2.5337, 140.7181)
SABANG = (5.8926, 95.3238)


@pytest.mark.django_db
def test_a_point_in_the_city_is_placed_in_its_kelurahan_as_locate_places_it(reference_areas: None) -> None:
    placed = place(*MARGAHAYU)
    located = locate(*MARGAHAYU)

    assert placed.inside_city
    assert (placed.village_id, placed.village_code, placed.village_name) == (
        located.village_id,
        "32.75.01.1002",
        "Margahayu",
    )
    assert (placed.district_id, placed.district_code, placed.district_name) == (
        located.district_id,
        "32.75.01",
        "Bekasi Timur",
    )
    assert (placed.h3_cell, placed.h3_cell_coarse) == (located.h3_cell, located.h3_cell_coarse)
    assert (placed.latitude, placed.longitude) == MARGAHAYU


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "lon"), [JAKARTA, KARAWANG, JAYAPURA, SABANG])
def test_a_point_elsewhere_in_indonesia_is_placed_outside_the_city(
    reference_areas: None, lat: float, lon: float
) -> None:
    placed = place(lat, lon)

    assert not placed.inside_city
    assert placed.village_id is placed.village_code is placed.village_name is None
    assert placed.district_id is placed.district_code is placed.district_name is None
    assert placed.h3_cell == h3.latlng_to_cell(lat, lon, 9)
    assert placed.h3_cell_coarse == h3.latlng_to_cell(lat, lon, 7)
    # The same point is still refused where the work must lie in the city.
    with pytest.raises(OutsideCityError):
        locate(lat, lon)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (0.0, 0.0),  # "null island": a GPS that had no fix
        (-6.1862, -106.8311),  # the sign of the longitude lost
        (-5.5, 147.0),  # Papua New Guinea, east of the border
        (-35.0, 120.0),  # south of Rote, off Australia
        (51.5074, -0.1278),
    ],
)
def test_a_point_beyond_indonesia_is_refused_with_a_clear_reason(reference_areas: None, lat: float, lon: float) -> None:
    with pytest.raises(OutsideIndonesiaError) as refused:
        place(lat, lon)

    assert refused.value.code == "outside_indonesia"
    assert isinstance(refused.value, LocationError)
    assert "di luar wilayah Indonesia" in refused.value.messages[0]


@pytest.mark.django_db
def test_the_refusal_beyond_indonesia_is_in_english_for_english_readers(reference_areas: None) -> None:
    with translation.override("en"), pytest.raises(OutsideIndonesiaError) as refused:
        place(0.0, 0.0)

    assert "outside Indonesia" in refused.value.messages[0]


@pytest.mark.parametrize(("lat", "lon"), [(math.nan, 107.0), ("utara", 107.0), (None, 107.0), (-91, 107.0)])
def test_malformed_coordinates_are_refused_as_by_locate(lat: object, lon: object) -> None:
    # No django_db mark: the check happens before any index is built.
    with pytest.raises(InvalidCoordinatesError):
        place(lat, lon)  # type: ignore[arg-type]  # the point of the test is a value of the wrong type
