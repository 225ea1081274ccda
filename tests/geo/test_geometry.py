"""GeoJSON conversion and area measurement."""

from __future__ import annotations

import math

import pytest
import shapely

from patriot.geo.geometry import area_km2, from_geojson, to_geojson


def _ellipsoid_box_km2(south: float, north: float, west: float, east: float) -> float:
    """Exact WGS84 area of a lon/lat box, from the authalic-latitude formula."""
    a, e2 = 6378.137, 0.00669437999014
    e = math.sqrt(e2)

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return (1 - e2) * (s / (1 - e2 * s * s) - math.log((1 - e * s) / (1 + e * s)) / (2 * e))

    return a * a / 2 * math.radians(east - west) * (q(north) - q(south))


@pytest.mark.parametrize(("south", "north"), [(-6.35, -6.25), (-6.45, -6.15), (0.0, 0.01), (59.9, 60.0)])
def test_area_matches_the_ellipsoid(south: float, north: float) -> None:
    box = shapely.box(106.9, south, 107.0, north)

    assert area_km2(box) == pytest.approx(_ellipsoid_box_km2(south, north, 106.9, 107.0), rel=1e-4)


def test_to_geojson_rounds_to_6_decimals_and_round_trips() -> None:
    polygon = shapely.Polygon([(107.00000012, -6.2), (107.01, -6.2000004), (107.01, -6.19), (107.0, -6.19)])

    geometry = to_geojson(polygon)

    assert geometry["type"] == "Polygon"
    assert isinstance(geometry["coordinates"][0][0], list)
    assert all(round(v, 6) == v for v in shapely.get_coordinates(from_geojson(geometry)).ravel())
    assert shapely.hausdorff_distance(from_geojson(geometry), polygon) < 1e-6


def test_from_geojson_drops_elevation() -> None:
    shape = from_geojson({"type": "Polygon", "coordinates": [[[107, -6.2, 12], [107.01, -6.2, 12], [107, -6.19, 9]]]})

    assert not shape.has_z
