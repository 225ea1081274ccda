"""Point → kelurahan/kecamatan lookup, h3 cells, refusals, and the per-process index."""

from __future__ import annotations

import math
import threading
import time

import h3
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.db import connections
from pytest_django import Settings

from patriot.geo import lookup
from patriot.geo.geometry import from_geojson
from patriot.geo.lookup import (
    InvalidCoordinatesError,
    LocationError,
    OutsideCityError,
    district_boundaries,
    locate,
    reset_area_index,
)
from patriot.geo.models import Village
from patriot.geo.services import load_reference_areas

MONAS = (-6.1754, 106.8272)


@pytest.mark.django_db
def test_every_reference_centroid_lands_in_its_own_kelurahan_and_kecamatan(
    reference_areas: None, villages_csv: list[dict[str, str]]
) -> None:
    wrong = []
    for row in villages_csv:
        location = locate(float(row["centroid_lat"]), float(row["centroid_lon"]))
        found = (location.village_code, location.village_name, location.district_code, location.district_name)
        expected = (row["code"], row["name"], row["kecamatan_code"], row["kecamatan_name"])
        if found != expected:
            wrong.append((expected, found))

    assert wrong == []


@pytest.mark.django_db
def test_location_carries_the_database_ids(reference_areas: None) -> None:
    location = locate(-6.251143, 107.004300)

    village = Village.objects.select_related("district").get(code="32.75.01.1002")
    assert (location.village_id, location.district_id) == (village.id, village.district.id)


@pytest.mark.django_db
def test_h3_cells_are_resolution_9_and_its_resolution_7_parent(reference_areas: None) -> None:
    lat, lon = -6.251143, 107.004300

    location = locate(lat, lon)

    assert location.h3_cell == h3.latlng_to_cell(lat, lon, 9)
    assert h3.get_resolution(location.h3_cell) == 9
    assert h3.get_resolution(location.h3_cell_coarse) == 7
    assert h3.cell_to_parent(location.h3_cell, 7) == location.h3_cell_coarse


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "lon"), [MONAS, (0.0, 0.0), (-6.5, 107.0), (-6.0, 107.0)])
def test_a_point_outside_the_city_is_refused(reference_areas: None, lat: float, lon: float) -> None:
    with pytest.raises(OutsideCityError) as refused:
        locate(lat, lon)

    assert refused.value.messages == ["Lokasi berada di luar wilayah Kota Bekasi."]
    assert refused.value.code == "outside_city"
    assert isinstance(refused.value, ValidationError)


@pytest.mark.django_db
def test_the_refusal_names_the_configured_city(reference_areas: None, settings: Settings) -> None:
    settings.PATRIOT_CITY_NAME = "Kota Contoh"

    with pytest.raises(OutsideCityError, match="Kota Contoh"):
        locate(*MONAS)


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        (math.nan, 107.0, "angka"),
        (-6.2, math.inf, "angka"),
        ("utara", 107.0, "angka"),
        (None, 107.0, "angka"),
        (90.5, 107.0, "lintang"),
        (-91, 107.0, "lintang"),
        (-6.2, 180.01, "bujur"),
        (-6.2, -181, "bujur"),
    ],
)
def test_malformed_coordinates_are_refused_before_any_lookup(lat: object, lon: object, words: str) -> None:
    # No django_db mark: building the index would touch the database and fail the test.
    with pytest.raises(InvalidCoordinatesError) as refused:
        locate(lat, lon)  # type: ignore[arg-type]

    assert words in refused.value.messages[0]
    assert isinstance(refused.value, LocationError)


@pytest.mark.django_db
def test_without_boundaries_every_point_is_outside() -> None:
    with pytest.raises(OutsideCityError):
        locate(-6.251143, 107.004300)


@pytest.mark.django_db
def test_a_point_on_a_shared_edge_goes_to_the_lowest_code_every_time(reference_areas: None) -> None:
    shapes = {v.code: from_geojson(v.boundary) for v in Village.objects.all()}
    first, second = "32.75.01.1001", "32.75.01.1003"
    shared = shapes[first].intersection(shapes[second])
    assert shared.length > 0, "the two kelurahan are neighbours"
    lon, lat = shapely.get_coordinates(shared)[0]

    assert {locate(lat, lon).village_code for _ in range(5)} == {first}
    covering = sorted(code for code, shape in shapes.items() if shape.covers(shapely.Point(lon, lat)))
    assert covering[0] == first and len(covering) >= 2


@pytest.mark.django_db
def test_the_index_is_built_once_and_rebuilt_after_a_reset(reference_areas: None) -> None:
    locate(-6.251143, 107.004300)
    # A bulk update sends no signal: the index keeps the name it was built with until it is reset.
    Village.objects.filter(code="32.75.01.1002").update(name="Margahayu Baru")

    assert locate(-6.251143, 107.004300).village_name == "Margahayu"
    reset_area_index()
    assert locate(-6.251143, 107.004300).village_name == "Margahayu Baru"


@pytest.mark.django_db
def test_saving_an_area_resets_the_index(reference_areas: None) -> None:
    locate(-6.251143, 107.004300)
    district = Village.objects.get(code="32.75.01.1002").district
    district.name = "Bekasi Timur Raya"
    district.save()

    assert locate(-6.251143, 107.004300).district_name == "Bekasi Timur Raya"


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_lookups_build_the_index_once(monkeypatch: pytest.MonkeyPatch) -> None:
    load_reference_areas()
    builds: list[int] = []

    class SlowCountingIndex(lookup.AreaIndex):
        def __init__(self, villages: list[Village]) -> None:
            builds.append(1)
            time.sleep(0.05)  # long enough for every thread to arrive while the first one builds
            super().__init__(villages)

    monkeypatch.setattr(lookup, "AreaIndex", SlowCountingIndex)
    reset_area_index()
    start = threading.Barrier(8)
    found: list[str] = []

    def look() -> None:
        try:
            start.wait()
            found.append(locate(-6.251143, 107.004300).village_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert builds == [1]
    assert found == ["32.75.01.1002"] * 8


@pytest.mark.django_db
def test_district_boundaries_are_the_unions_of_their_villages(
    reference_areas: None, villages_csv: list[dict[str, str]]
) -> None:
    boundaries = district_boundaries()

    assert len(boundaries) == 12
    for row in villages_csv:
        point = shapely.Point(float(row["centroid_lon"]), float(row["centroid_lat"]))
        assert boundaries[row["kecamatan_code"]].contains(point), row["code"]
    assert not any(
        boundaries[a].intersection(boundaries[b]).area > 1e-12 for a in boundaries for b in boundaries if a < b
    )
