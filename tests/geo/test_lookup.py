"""Point → kelurahan/kecamatan lookup, h3 cells, refusals, and the per-process index."""

from __future__ import annotations

import itertools
import math
import random
import threading
import time

import h3
import pytest
import shapely
from django.core.exceptions import ValidationError
from django.db import connections
from pytest_django import Settings
from shapely.geometry.base import BaseGeometry

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
from patriot.geo.models import District, Village
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


def _sample_points(index: lookup.AreaIndex, count: int = 20_000) -> list[tuple[float, float]]:
    """(lat, lon) points where a grid could go wrong: anywhere in and around the box, on and beside every
    vertex and edge, and on the grid's own cell edges."""
    rng = random.Random(16)
    west, south, east, north = shapely.total_bounds(index._shapes)
    pad_lon, pad_lat = (east - west) / 10, (north - south) / 10
    points = [
        (rng.uniform(south - pad_lat, north + pad_lat), rng.uniform(west - pad_lon, east + pad_lon))
        for _ in range(count)
    ]
    for shape in index._shapes:
        coordinates = shapely.get_coordinates(shape.boundary)
        for (lon, lat), (next_lon, next_lat) in itertools.pairwise(coordinates):
            points.append((lat, lon))
            share = rng.random()
            points.append((lat + share * (next_lat - lat), lon + share * (next_lon - lon)))
            for step in (1e-9, 1e-7, 1e-5):
                points += [(lat + step, lon), (lat - step, lon), (lat, lon + step), (lat, lon - step)]
    side = lookup.GRID_CELLS_PER_SIDE
    for _ in range(count // 4):
        column, row = rng.randrange(side + 1), rng.randrange(side + 1)
        lon, lat = west + column * (east - west) / side, south + row * (north - south) / side
        points += [(lat, lon), (lat, rng.uniform(west, east)), (rng.uniform(south, north), lon)]
    return [(float(lat), float(lon)) for lat, lon in points]


def _disagreements(index: lookup.AreaIndex, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(lat, lon) for lat, lon in points if index.village_at(lat, lon) != index.village_by_geos(lat, lon)]


@pytest.mark.django_db
def test_the_grid_answers_every_point_as_geos_does(reference_areas: None) -> None:
    index = lookup.area_index()
    points = _sample_points(index)
    answers = [index._grid.answer(lat, lon) for lat, lon in points]

    assert _disagreements(index, points) == []
    # Not a vacuous comparison: the sample meets every kind of cell many times.
    assert min(answers.count(lookup._OUTSIDE), answers.count(lookup._ON_A_BOUNDARY)) > 1000
    assert sum(answer >= 0 for answer in answers) > 1000


@pytest.mark.django_db
@pytest.mark.parametrize("wrong", ["the neighbour", "outside"])
def test_the_comparison_catches_a_cell_a_boundary_crosses_given_one_answer(reference_areas: None, wrong: str) -> None:
    index = lookup.area_index()
    first, second = (
        index._entries.index(next(e for e in index._entries if e.village_code == code))
        for code in ("32.75.01.1001", "32.75.01.1003")
    )
    lon, lat = shapely.get_coordinates(index._shapes[first].intersection(index._shapes[second]))[0]
    grid = index._grid
    west, south = grid._bounds[:2]
    cell = grid._index(lat, south, grid._lat_scale) * lookup.GRID_CELLS_PER_SIDE + grid._index(
        lon, west, grid._lon_scale
    )
    assert grid._cells[cell] == lookup._ON_A_BOUNDARY
    grid._cells[cell] = second if wrong == "the neighbour" else lookup._OUTSIDE

    assert (float(lat), float(lon)) in _disagreements(index, _sample_points(index, count=1000))


def _village(code: str, boundary: BaseGeometry, *, approximate: bool = False) -> Village:
    district = District(id=1, code="32.75.01", name="Bekasi Timur")
    return Village(
        id=int(code[-4:]),
        code=code,
        name=f"Kelurahan {code}",
        district=district,
        boundary=shapely.geometry.mapping(boundary),
        boundary_is_approximate=approximate,
    )


def test_the_grid_agrees_with_geos_on_overlapping_and_invalid_polygons() -> None:
    bow_tie = shapely.Polygon([(107.00, -6.30), (107.02, -6.28), (107.02, -6.30), (107.00, -6.28)])
    assert not bow_tie.is_valid
    index = lookup.AreaIndex(
        [
            _village("32.75.01.1001", shapely.box(106.95, -6.35, 107.05, -6.25), approximate=True),
            _village("32.75.01.1002", shapely.box(106.98, -6.32, 107.01, -6.27)),
            _village("32.75.01.1003", bow_tie),
            _village("32.75.01.1004", shapely.Point(107.03, -6.26).buffer(0.01)),
        ]
    )

    assert _disagreements(index, _sample_points(index)) == []
    assert index.village_at(-6.30, 106.99).village_code == "32.75.01.1002"  # type: ignore[union-attr]  # inside both boxes
