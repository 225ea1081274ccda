"""Loading the reference areas with their demo polygons, and importing official boundary files."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import shapely

from patriot.geo.geometry import area_km2, from_geojson
from patriot.geo.lookup import locate
from patriot.geo.models import District, Village
from patriot.geo.services import (
    AreaImportError,
    import_areas,
    load_reference_areas,
    parse_feature_collection,
    read_feature_collection,
)
from tests.geo.conftest import area_snapshot, feature_collection, reference_rows, square_feature

pytestmark = pytest.mark.django_db


def _ellipsoid_square_km2(lat: float, side_degrees: float) -> float:
    """A small lon/lat square on the WGS84 ellipsoid: meridian × prime-vertical radius × cos(latitude) × dφ × dλ."""
    a, e2, phi = 6378.137, 0.00669437999014, math.radians(lat)
    w2 = 1 - e2 * math.sin(phi) ** 2
    meridian, prime_vertical = a * (1 - e2) / w2**1.5, a / math.sqrt(w2)
    return meridian * prime_vertical * math.cos(phi) * math.radians(side_degrees) ** 2


def _coordinates(boundary: dict[str, Any]) -> list[float]:
    return shapely.get_coordinates(from_geojson(boundary)).ravel().tolist()


# --- reference load -------------------------------------------------------------------------------


def test_load_reference_areas_creates_the_12_kecamatan_and_56_kelurahan() -> None:
    assert load_reference_areas() == (12, 56)

    assert District.objects.count() == 12
    assert Village.objects.count() == 56
    bekasi_jaya = Village.objects.select_related("district").get(code="32.75.01.1001")
    assert (bekasi_jaya.name, bekasi_jaya.official_name) == ("Bekasi Jaya", "Bekasijaya")
    assert bekasi_jaya.district.code == "32.75.01"
    assert bekasi_jaya.district.name == "Bekasi Timur"
    assert bekasi_jaya.area_km2 == pytest.approx(3.481)


def test_load_reference_areas_is_idempotent() -> None:
    load_reference_areas()
    first = area_snapshot()

    assert load_reference_areas() == (12, 56)

    assert area_snapshot() == first


def test_load_reference_areas_restores_edited_reference_fields() -> None:
    load_reference_areas()
    Village.objects.filter(code="32.75.01.1001").update(name="Salah", boundary=None)

    load_reference_areas()

    village = Village.objects.get(code="32.75.01.1001")
    assert village.name == "Bekasi Jaya"
    assert village.boundary is not None
    assert village.boundary_is_approximate


def test_every_demo_polygon_is_a_valid_cell_holding_its_own_centroid(
    reference_areas: None, villages_csv: list[dict[str, str]]
) -> None:
    boundaries = {v.code: v for v in Village.objects.all()}
    for row in villages_csv:
        village = boundaries[row["code"]]
        shape = from_geojson(village.boundary)
        assert village.boundary_is_approximate
        assert shape.geom_type == "Polygon" and shape.is_valid, row["code"]
        # Strictly inside, not on the edge: the centroid must never depend on which neighbour wins a tie.
        assert shape.contains(shapely.Point(float(row["centroid_lon"]), float(row["centroid_lat"]))), row["code"]
        assert all(round(value, 6) == value for value in _coordinates(village.boundary))


def test_demo_polygons_tile_the_city_with_roughly_real_areas(
    reference_areas: None, villages_csv: list[dict[str, str]]
) -> None:
    shapes = {v.code: from_geojson(v.boundary) for v in Village.objects.all()}
    union = shapely.union_all(list(shapes.values()))
    total = sum(area_km2(shape) for shape in shapes.values())

    # No overlaps (the union is as large as the parts) and no holes inside the outline.
    assert area_km2(union) == pytest.approx(total, rel=1e-4)
    assert union.geom_type == "Polygon" and not union.interiors
    # The city is about 213 km²; each cell within a factor of two of its kelurahan's real area.
    assert total == pytest.approx(sum(float(row["area_km2"]) for row in villages_csv), rel=0.1)
    for row in villages_csv:
        ratio = area_km2(shapes[row["code"]]) / float(row["area_km2"])
        assert 0.5 < ratio < 2, (row["code"], ratio)


# --- import -----------------------------------------------------------------------------------------


def _centroid(code: str) -> tuple[float, float]:
    row = next(row for row in reference_rows("kelurahan.csv") if row["code"] == code)
    return float(row["centroid_lat"]), float(row["centroid_lon"])


def _squares(*codes: str) -> list[dict[str, Any]]:
    names = {row["code"]: row["name"] for row in reference_rows("kelurahan.csv")}
    return [square_feature(code, names[code], *_centroid(code)) for code in codes]


def test_import_replaces_approximate_boundaries_with_official_ones(reference_areas: None) -> None:
    features = _squares("32.75.01.1001", "32.75.02.1002", "32.75.12.1004")

    result = import_areas(features)

    assert (result.villages_created, result.villages_updated, result.districts_created) == (0, 3, 0)
    assert result.repaired_codes == ()
    for feature in features:
        village = Village.objects.get(code=feature["properties"]["code"])
        shape = from_geojson(village.boundary)
        assert village.boundary_is_approximate is False
        assert shapely.hausdorff_distance(shape, from_geojson(feature["geometry"])) < 1e-6
        assert shape.contains(shapely.Point(village.centroid_lon, village.centroid_lat))
        assert village.area_km2 == pytest.approx(_ellipsoid_square_km2(village.centroid_lat, 0.004), abs=0.001)
    assert Village.objects.filter(boundary_is_approximate=True).count() == 53
    assert District.objects.count() == 12


def test_import_creates_a_new_kecamatan_from_its_name_and_a_new_kelurahan() -> None:
    load_reference_areas()
    lat, lon = -6.40, 106.90
    features = [
        square_feature("32.75.13.1001", "Desa Baru", lat, lon, kecamatan_name="Kecamatan Baru"),
        square_feature("32.75.13.1002", "Desa Lain", lat, lon + 0.004),
    ]

    result = import_areas(features)

    assert (result.villages_created, result.villages_updated, result.districts_created) == (2, 0, 1)
    district = District.objects.get(code="32.75.13")
    assert district.name == "Kecamatan Baru"
    assert district.area_km2 == pytest.approx(2 * _ellipsoid_square_km2(lat, 0.004), abs=0.001)
    village = Village.objects.get(code="32.75.13.1001")
    assert (village.name, village.official_name, village.district) == ("Desa Baru", "Desa Baru", district)
    assert locate(lat, lon).district_code == "32.75.13"


def test_import_keeps_the_official_name_of_an_existing_village() -> None:
    load_reference_areas()
    lat, lon = _centroid("32.75.01.1001")

    import_areas([square_feature("32.75.01.1001", "Bekasi Jaya Baru", lat, lon)])

    village = Village.objects.get(code="32.75.01.1001")
    assert (village.name, village.official_name) == ("Bekasi Jaya Baru", "Bekasijaya")


def test_import_repairs_a_self_intersecting_polygon_and_says_so(reference_areas: None) -> None:
    lat, lon = _centroid("32.75.01.1001")
    west, east, south, north = lon - 0.002, lon + 0.002, lat - 0.002, lat + 0.002
    bowtie = [[west, south], [east, north], [east, south], [west, north], [west, south]]
    feature = {
        "type": "Feature",
        "properties": {"code": "32.75.01.1001", "name": "Bekasi Jaya"},
        "geometry": {"type": "Polygon", "coordinates": [bowtie]},
    }

    result = import_areas([feature])

    assert result.repaired_codes == ("32.75.01.1001",)
    village = Village.objects.get(code="32.75.01.1001")
    shape = from_geojson(village.boundary)
    assert shape.is_valid and shape.geom_type == "MultiPolygon"
    assert shape.area == pytest.approx(0.004 * 0.004 / 2, rel=1e-3)
    assert village.boundary_is_approximate is False


def test_load_after_import_keeps_the_official_boundaries(reference_areas: None) -> None:
    import_areas(_squares("32.75.01.1001"))
    official = Village.objects.get(code="32.75.01.1001")

    load_reference_areas()

    again = Village.objects.get(code="32.75.01.1001")
    assert again.boundary == official.boundary
    assert (again.centroid_lat, again.centroid_lon, again.area_km2) == (
        official.centroid_lat,
        official.centroid_lon,
        official.area_km2,
    )
    assert again.boundary_is_approximate is False
    assert Village.objects.filter(boundary_is_approximate=True).count() == 55


def test_import_resets_the_lookup_index_and_official_polygons_win(reference_areas: None) -> None:
    # A point 60 % of the way from Bekasi Jaya's centroid to its nearest neighbour's lies in the neighbour's cell.
    rows = reference_rows("kelurahan.csv")
    lat, lon = _centroid("32.75.01.1001")
    neighbour = min(
        (row for row in rows if row["code"] != "32.75.01.1001"),
        key=lambda row: math.dist((lat, lon), (float(row["centroid_lat"]), float(row["centroid_lon"]))),
    )
    n_lat, n_lon = float(neighbour["centroid_lat"]), float(neighbour["centroid_lon"])
    point = (lat + 0.6 * (n_lat - lat), lon + 0.6 * (n_lon - lon))
    assert locate(*point).village_code == neighbour["code"]
    # The official Bekasi Jaya reaches past that point, over part of the neighbour's approximate cell.
    reach = shapely.LineString([(lon, lat), (lon + 0.7 * (n_lon - lon), lat + 0.7 * (n_lat - lat))]).buffer(0.0005)
    feature = {
        "type": "Feature",
        "properties": {"code": "32.75.01.1001", "name": "Bekasi Jaya"},
        "geometry": shapely.geometry.mapping(reach),
    }

    import_areas([feature])

    assert locate(*point).village_code == "32.75.01.1001"
    assert locate(n_lat, n_lon).village_code == neighbour["code"]


def test_progress_is_reported_once_per_saved_village(reference_areas: None) -> None:
    steps: list[int] = []

    import_areas(_squares("32.75.01.1001", "32.75.01.1002"), progress=steps.append)

    assert steps == [1, 1]


def test_a_failure_while_writing_rolls_the_whole_import_back(reference_areas: None) -> None:
    before = area_snapshot()
    saved: list[int] = []

    def fail_on_second(step: int) -> None:
        saved.append(step)
        if len(saved) == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        import_areas(_squares("32.75.01.1001", "32.75.01.1002", "32.75.01.1003"), progress=fail_on_second)

    assert area_snapshot() == before


# --- refused files ----------------------------------------------------------------------------------


def _with(feature: dict[str, Any], **changes: Any) -> dict[str, Any]:
    properties = {**feature["properties"], **changes.pop("properties", {})}
    return {**feature, **changes, "properties": properties}


def _bad_collections() -> list[tuple[str, list[Any], list[str]]]:
    """(case, features, words the message must contain). Each list also holds a valid feature."""
    good, other = _squares("32.75.01.1001", "32.75.01.1002")
    lat, lon = _centroid("32.75.01.1002")
    line = [[lon, lat], [lon + 0.001, lat + 0.001], [lon + 0.002, lat + 0.002], [lon, lat]]
    # The same place in UTM zone 48S metres, a common mistake: exporting in the map's projection.
    utm_triangle = [[700000, 9300000], [700100, 9300000], [700100, 9300100], [700000, 9300000]]
    return [
        ("missing code", [good, _with(other, properties={"code": None})], ["features[1]", '"code"']),
        ("code format", [good, _with(other, properties={"code": "32.75.1.1002"})], ["features[1]", "NN.NN.NN.NNNN"]),
        ("missing name", [good, _with(other, properties={"name": " "})], ["features[1] (32.75.01.1002)", '"name"']),
        ("no properties", [good, _with(other) | {"properties": None}], ["features[1]", '"code"']),
        ("not a feature", [good, {"type": "Polygon"}], ["features[1]", "Feature"]),
        (
            "point geometry",
            [good, _with(other, geometry={"type": "Point", "coordinates": [lon, lat]})],
            ["features[1] (32.75.01.1002)", "Polygon"],
        ),
        (
            "no area",
            [good, _with(other, geometry={"type": "Polygon", "coordinates": [line]})],
            ["features[1] (32.75.01.1002)", "tidak memiliki luas"],
        ),
        (
            "unreadable coordinates",
            [good, _with(other, geometry={"type": "Polygon", "coordinates": [[["a", "b"]]]})],
            ["features[1] (32.75.01.1002)", "koordinat"],
        ),
        (
            "projected coordinates",
            [good, _with(other, geometry={"type": "Polygon", "coordinates": [utm_triangle]})],
            ["features[1] (32.75.01.1002)", "WGS84"],
        ),
        (
            "unknown kecamatan without a name",
            [good, _with(other, properties={"code": "32.75.13.1001"})],
            ["features[1] (32.75.13.1001)", "32.75.13", "kecamatan_name"],
        ),
        (
            "kecamatan_code contradicts the code",
            [good, _with(other, properties={"kecamatan_code": "32.75.02"})],
            ["features[1] (32.75.01.1002)", "32.75.02"],
        ),
        (
            "two names for one new kecamatan",
            [
                _with(good, properties={"code": "32.75.13.1001", "kecamatan_name": "Satu"}),
                _with(other, properties={"code": "32.75.13.1002", "kecamatan_name": "Dua"}),
            ],
            ["32.75.13", "Satu", "Dua"],
        ),
        ("duplicate code", [good, other, good], ["features[2] (32.75.01.1001)", "features[0]"]),
        ("empty collection", [], ["tidak berisi"]),
    ]


@pytest.mark.parametrize(
    ("features", "words"), [case[1:] for case in _bad_collections()], ids=[case[0] for case in _bad_collections()]
)
def test_a_bad_feature_refuses_the_whole_file_and_changes_nothing(
    reference_areas: None, features: list[Any], words: list[str]
) -> None:
    before = area_snapshot()

    with pytest.raises(AreaImportError) as refused:
        import_areas(features)

    for word in words:
        assert word in str(refused.value)
    assert area_snapshot() == before


def test_every_problem_is_listed_not_only_the_first(reference_areas: None) -> None:
    good, other = _squares("32.75.01.1001", "32.75.01.1002")
    features = [_with(good, properties={"name": ""}), _with(other, properties={"code": "x"})]

    with pytest.raises(AreaImportError) as refused:
        import_areas(features)

    assert len(refused.value.problems) == 2
    assert refused.value.problems[0].startswith("features[0] (32.75.01.1001)")
    assert refused.value.problems[1].startswith("features[1] (x)")


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("{not json", ["JSON"]),
        ('{"type": "FeatureCollection", "features": [NaN]}', ["JSON", "NaN"]),
        ("[]", ["FeatureCollection"]),
        ('{"type": "Feature", "features": []}', ["FeatureCollection"]),
        ('{"type": "FeatureCollection", "features": {}}', ['"features"']),
        (b"\xff\xfe\x00", ["JSON"]),
    ],
    ids=["not json", "nan", "array", "wrong type", "features not a list", "not utf-8"],
)
def test_a_document_that_is_not_a_feature_collection_is_refused(document: str | bytes, words: list[str]) -> None:
    with pytest.raises(AreaImportError) as refused:
        parse_feature_collection(document)

    for word in words:
        assert word in str(refused.value)


def test_a_utf8_byte_order_mark_is_tolerated() -> None:
    document = json.dumps(feature_collection(*_squares("32.75.01.1001"))).encode("utf-8-sig")

    assert parse_feature_collection(document)[0]["properties"]["name"] == "Bekasi Jaya"


def test_read_feature_collection_reads_a_file_and_names_a_missing_one(tmp_path: Any) -> None:
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps(feature_collection(*_squares("32.75.01.1001"))), encoding="utf-8")

    assert read_feature_collection(path)[0]["properties"]["code"] == "32.75.01.1001"
    with pytest.raises(AreaImportError, match="tidak ditemukan"):
        read_feature_collection(tmp_path / "missing.geojson")
