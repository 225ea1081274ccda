"""RW and RT: numbers within a kelurahan, their import from GeoJSON, and point → RW/RT lookup."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.test import Client

from patriot.geo.lookup import InvalidCoordinatesError, neighbourhood_at
from patriot.geo.models import RukunTetangga, RukunWarga, Village
from patriot.geo.services import AreaImportError, NeighbourhoodImportResult, import_areas, import_rw_rt
from tests.geo.conftest import feature_collection, square_feature

pytestmark = pytest.mark.django_db

MARGAHAYU = "32.75.01.1002"
MARGAHAYU_POINT = (-6.251143, 107.004300)
BEKASI_JAYA = "32.75.01.1001"


def rw_feature(
    village_code: object,
    rw: object,
    rt: object = None,
    *,
    lat: float | None = None,
    lon: float | None = None,
    half_size: float = 0.002,
) -> dict[str, Any]:
    """An RW (or RT) Feature; with lat/lon its geometry is a square of 2 × half_size degrees around the point."""
    properties: dict[str, Any] = {"kelurahan_code": village_code, "rw": rw}
    if rt is not None:
        properties["rt"] = rt
    geometry = None
    if lat is not None and lon is not None:
        geometry = shapely.geometry.mapping(
            shapely.box(lon - half_size, lat - half_size, lon + half_size, lat + half_size)
        )
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    return list(RukunWarga.objects.order_by("pk").values()), list(RukunTetangga.objects.order_by("pk").values())


# --- models -----------------------------------------------------------------------------------------


def test_numbers_read_the_indonesian_way(reference_areas: None) -> None:
    rw = RukunWarga.objects.create(village=Village.objects.get(code=MARGAHAYU), number=5)
    rt = RukunTetangga.objects.create(rw=rw, number=3)

    assert (rw.label, rt.label) == ("RW 05", "RT 003")
    assert str(rt) == "RT 003/RW 05 Margahayu"
    assert RukunWarga(village=rw.village, number=112).label == "RW 112"


def test_an_rw_number_is_unique_within_its_kelurahan_only(reference_areas: None) -> None:
    margahayu, bekasi_jaya = Village.objects.get(code=MARGAHAYU), Village.objects.get(code=BEKASI_JAYA)
    RukunWarga.objects.create(village=margahayu, number=5)
    RukunWarga.objects.create(village=bekasi_jaya, number=5)

    with pytest.raises(IntegrityError), transaction.atomic():
        RukunWarga.objects.create(village=margahayu, number=5)

    assert RukunWarga.objects.filter(number=5).count() == 2


def test_an_rt_number_is_unique_within_its_rw_only(reference_areas: None) -> None:
    margahayu = Village.objects.get(code=MARGAHAYU)
    rw5, rw6 = (RukunWarga.objects.create(village=margahayu, number=n) for n in (5, 6))
    RukunTetangga.objects.create(rw=rw5, number=3)
    RukunTetangga.objects.create(rw=rw6, number=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        RukunTetangga.objects.create(rw=rw5, number=3)

    assert RukunTetangga.objects.filter(number=3).count() == 2


@pytest.mark.parametrize("number", [0, 1000])
def test_numbers_run_from_1_to_999(reference_areas: None, number: int) -> None:
    margahayu = Village.objects.get(code=MARGAHAYU)

    with pytest.raises(IntegrityError), transaction.atomic():
        RukunWarga.objects.create(village=margahayu, number=number)
    rw = RukunWarga.objects.create(village=margahayu, number=999)
    with pytest.raises(IntegrityError), transaction.atomic():
        RukunTetangga.objects.create(rw=rw, number=number)


# --- import -------------------------------------------------------------------------------------------


def test_import_creates_numbers_alone_and_with_polygons(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    result = import_rw_rt(
        [
            rw_feature(MARGAHAYU, 5, lat=lat, lon=lon),
            rw_feature(MARGAHAYU, "05", "003", lat=lat, lon=lon, half_size=0.0005),
            rw_feature(MARGAHAYU, 5, 4),
            rw_feature(BEKASI_JAYA, 1.0),
        ]
    )

    assert result == NeighbourhoodImportResult(rw_created=2, rw_updated=0, rt_created=2, rt_updated=0, repaired=())
    rw5 = RukunWarga.objects.get(village__code=MARGAHAYU, number=5)
    assert rw5.boundary["type"] == "Polygon"
    assert rw5.centroid_lat == pytest.approx(lat, abs=0.002) and rw5.centroid_lon == pytest.approx(lon, abs=0.002)
    assert sorted(rw5.rukun_tetangga.values_list("number", flat=True)) == [3, 4]
    assert rw5.rukun_tetangga.get(number=4).boundary is None
    assert RukunWarga.objects.get(village__code=BEKASI_JAYA).boundary is None


def test_an_rt_of_an_rw_missing_from_the_file_creates_the_rw_number(reference_areas: None) -> None:
    result = import_rw_rt([rw_feature(MARGAHAYU, 7, 1), rw_feature(MARGAHAYU, 7, 2)])

    assert (result.rw_created, result.rt_created) == (1, 2)
    rw = RukunWarga.objects.get(village__code=MARGAHAYU, number=7)
    assert rw.boundary is None and rw.rukun_tetangga.count() == 2


def test_a_second_import_updates_polygons_and_a_number_alone_keeps_the_polygon(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 5, lat=lat, lon=lon), rw_feature(MARGAHAYU, 6, lat=lat + 0.01, lon=lon)])
    first = RukunWarga.objects.get(number=5).boundary

    result = import_rw_rt([rw_feature(MARGAHAYU, 5), rw_feature(MARGAHAYU, 6, lat=lat + 0.02, lon=lon)])

    assert (result.rw_created, result.rw_updated) == (0, 2)
    assert RukunWarga.objects.get(number=5).boundary == first
    assert RukunWarga.objects.get(number=6).centroid_lat == pytest.approx(lat + 0.02, abs=0.002)


@pytest.mark.parametrize(
    ("feature", "words"),
    [
        (rw_feature("32.75.99.1001", 1), "features[1] (32.75.99.1001): kelurahan 32.75.99.1001 tidak ada"),
        (rw_feature("Margahayu", 1), 'properti "kelurahan_code" harus berformat'),
        (rw_feature(MARGAHAYU, 0), 'properti "rw" harus berupa nomor 1 sampai 999'),
        (rw_feature(MARGAHAYU, None), 'properti "rw" harus berupa nomor'),
        (rw_feature(MARGAHAYU, "lima"), 'properti "rw" harus berupa nomor'),
        (rw_feature(MARGAHAYU, "²"), 'properti "rw" harus berupa nomor'),
        (rw_feature(MARGAHAYU, True), 'properti "rw" harus berupa nomor'),
        (rw_feature(MARGAHAYU, 2, 1000), 'properti "rt" harus berupa nomor'),
        (rw_feature(MARGAHAYU, 2, 2.5), 'properti "rt" harus berupa nomor'),
        (
            {**rw_feature(MARGAHAYU, 2), "geometry": {"type": "Point", "coordinates": [107.0, -6.25]}},
            "Polygon atau MultiPolygon",
        ),
        (rw_feature(MARGAHAYU, 2, lat=107.0043, lon=-6.251143), "WGS84"),
        (rw_feature(MARGAHAYU, 1), "RW 01 32.75.01.1002 ganda, sudah ada di features[0]"),
        ({"type": "Polygon"}, "features[1]: harus berupa GeoJSON Feature"),
    ],
    ids=[
        "unknown kelurahan",
        "malformed kelurahan code",
        "rw zero",
        "rw missing",
        "rw words",
        "rw superscript digit",
        "rw boolean",
        "rt too large",
        "rt fraction",
        "point geometry",
        "swapped coordinates",
        "duplicate",
        "not a feature",
    ],
)
def test_a_bad_feature_refuses_the_whole_file_and_writes_nothing(
    reference_areas: None, feature: dict[str, Any], words: str
) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 9, lat=lat, lon=lon)])
    before = snapshot()

    with pytest.raises(AreaImportError) as refused:
        import_rw_rt([rw_feature(MARGAHAYU, 1, lat=lat, lon=lon), feature, rw_feature(MARGAHAYU, 9, 1)])

    assert any(words in problem for problem in refused.value.problems), refused.value.problems
    assert snapshot() == before


def test_every_problem_is_listed_at_once(reference_areas: None) -> None:
    with pytest.raises(AreaImportError) as refused:
        import_rw_rt([rw_feature("32.75.99.1001", 1), rw_feature(MARGAHAYU, "x"), rw_feature(MARGAHAYU, 3)])

    assert [problem.split(":")[0] for problem in refused.value.problems] == [
        "features[0] (32.75.99.1001)",
        "features[1] (32.75.01.1002)",
    ]


def test_an_import_interrupted_while_writing_is_rolled_back(reference_areas: None) -> None:
    saved: list[int] = []

    def interrupt_after_two(step: int) -> None:
        saved.append(step)
        if len(saved) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_rw_rt([rw_feature(MARGAHAYU, n) for n in (1, 2, 3)], progress=interrupt_after_two)

    assert saved == [1, 1]
    assert snapshot() == ([], [])


@pytest.mark.parametrize("document", [[], "features"])
def test_an_empty_or_malformed_feature_list_is_refused(reference_areas: None, document: Any) -> None:
    with pytest.raises(AreaImportError):
        import_rw_rt(document)


# --- lookup --------------------------------------------------------------------------------------------


def test_a_point_inside_an_imported_rw_polygon_finds_that_rw(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 5, lat=lat, lon=lon), rw_feature(MARGAHAYU, 6, lat=lat + 0.01, lon=lon)])
    rw5 = RukunWarga.objects.get(village__code=MARGAHAYU, number=5)

    found = neighbourhood_at(lat + 0.001, lon - 0.001)

    assert found is not None
    assert (found.village_code, found.rw_id, found.rw_number, found.rt_id) == (MARGAHAYU, rw5.id, 5, None)
    assert found.label == "RW 05"
    assert neighbourhood_at(lat + 0.01, lon).rw_number == 6  # type: ignore[union-attr]  # None fails the test
    assert neighbourhood_at(lat - 0.01, lon) is None


def test_an_rt_polygon_names_the_rt_and_its_rw(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt(
        [
            rw_feature(MARGAHAYU, 5, lat=lat, lon=lon),
            rw_feature(MARGAHAYU, 5, 3, lat=lat + 0.001, lon=lon + 0.001, half_size=0.0005),
        ]
    )

    in_rt = neighbourhood_at(lat + 0.001, lon + 0.001)
    in_rw_only = neighbourhood_at(lat - 0.001, lon - 0.001)

    rt = RukunTetangga.objects.get(number=3)
    assert in_rt is not None and (in_rt.rt_id, in_rt.rt_number, in_rt.rw_id) == (rt.id, 3, rt.rw_id)
    assert in_rt.label == "RT 003/RW 05"
    assert in_rw_only is not None and in_rw_only.label == "RW 05"


def test_numbers_without_polygons_place_nothing_and_lookup_follows_each_import(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 5, 1)])
    assert neighbourhood_at(lat, lon) is None

    import_rw_rt([rw_feature(MARGAHAYU, 5, lat=lat, lon=lon)])

    assert neighbourhood_at(lat, lon).label == "RW 05"  # type: ignore[union-attr]  # None fails the test


def test_overlapping_rw_polygons_resolve_to_the_lowest_number_every_time(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 8, lat=lat, lon=lon), rw_feature(MARGAHAYU, 2, lat=lat, lon=lon + 0.001)])

    assert {neighbourhood_at(lat, lon + 0.0005).rw_number for _ in range(3)} == {2}  # type: ignore[union-attr]


def test_rw_lookup_refuses_malformed_coordinates(reference_areas: None) -> None:
    with pytest.raises(InvalidCoordinatesError):
        neighbourhood_at(float("nan"), 107.0)


def test_editing_an_rw_in_the_admin_resets_the_lookup(reference_areas: None, admin_client: Client) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 5, lat=lat, lon=lon)])
    rw = RukunWarga.objects.get(number=5)
    assert neighbourhood_at(lat, lon).rw_number == 5  # type: ignore[union-attr]  # None fails the test

    response = admin_client.post(
        f"/admin/geo/rukunwarga/{rw.id}/change/",
        {
            "village": rw.village_id,
            "number": 15,
            "rukun_tetangga-TOTAL_FORMS": 0,
            "rukun_tetangga-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert neighbourhood_at(lat, lon).label == "RW 15"  # type: ignore[union-attr]  # None fails the test


def test_the_rw_admin_lists_numbers_rt_counts_and_polygons(reference_areas: None, admin_client: Client) -> None:
    lat, lon = MARGAHAYU_POINT
    import_rw_rt([rw_feature(MARGAHAYU, 5, lat=lat, lon=lon), rw_feature(MARGAHAYU, 5, 1), rw_feature(MARGAHAYU, 5, 2)])
    rw = RukunWarga.objects.get(number=5)

    page = admin_client.get("/admin/geo/rukunwarga/").content.decode()
    detail = admin_client.get(f"/admin/geo/rukunwarga/{rw.id}/change/").content.decode()

    assert "RW 05" in page and 'class="field-rt_count">2<' in page
    assert "Polygon dengan 5 titik" in detail and 'name="boundary"' not in detail


# --- command --------------------------------------------------------------------------------------------


def test_import_rw_command_imports_and_reports_counts(
    reference_areas: None, write_geojson: Callable[[dict | str], Path]
) -> None:
    lat, lon = MARGAHAYU_POINT
    path = write_geojson(feature_collection(rw_feature(MARGAHAYU, 5, lat=lat, lon=lon), rw_feature(MARGAHAYU, 5, 1)))
    out = StringIO()

    call_command("import-rw", str(path), stdout=out)

    assert "RW diimpor: 1 baru, 0 diperbarui; RT: 1 baru, 0 diperbarui." in out.getvalue()


def test_import_rw_command_refuses_an_unknown_kelurahan_without_changing_anything(
    reference_areas: None, write_geojson: Callable[[dict | str], Path]
) -> None:
    path = write_geojson(feature_collection(rw_feature(MARGAHAYU, 5), rw_feature("32.75.99.1001", 1)))

    with pytest.raises(CommandError) as refused:
        call_command("import-rw", str(path), stdout=StringIO())

    assert "tidak ada data yang diubah" in str(refused.value)
    assert "kelurahan 32.75.99.1001 tidak ada" in str(refused.value)
    assert snapshot() == ([], [])


def test_a_polygon_away_from_its_official_kelurahan_is_refused(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT
    import_areas([square_feature(MARGAHAYU, "Margahayu", lat, lon, half_size=0.003)])
    far, edge = (lat + 0.01, lon), (lat + 0.0035, lon)

    with pytest.raises(AreaImportError) as refused:
        import_rw_rt(
            [rw_feature(MARGAHAYU, 1, lat=edge[0], lon=edge[1]), rw_feature(MARGAHAYU, 2, lat=far[0], lon=far[1])]
        )

    assert refused.value.problems == [
        "features[1] (32.75.01.1002): poligon RW 02 32.75.01.1002 tidak bersinggungan dengan batas resmi "
        "kelurahan 32.75.01.1002."
    ]
    assert snapshot() == ([], [])


def test_a_polygon_is_not_held_against_an_approximate_kelurahan_boundary(reference_areas: None) -> None:
    lat, lon = MARGAHAYU_POINT

    import_rw_rt([rw_feature(BEKASI_JAYA, 1, lat=lat, lon=lon)])

    assert RukunWarga.objects.get(village__code=BEKASI_JAYA).boundary is not None
