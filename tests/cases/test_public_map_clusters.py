"""The public map's shape: a few hundred points at most, else clusters with counts at a resolution the view's size
asks for (h3 cells from the counts, a grid's squares in a street), which never count what the public may not see."""

from __future__ import annotations

from datetime import timedelta

import h3
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patriot.cases import queries
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Case
from patriot.cases.queries import PublicMapFilter, map_resolution, public_map_view
from tests.factories import BINTARA, MARGAHAYU, case_through, make_case, make_category

pytestmark = pytest.mark.usefixtures("areas")

LAT, LON = MARGAHAYU
# A ~1 km box round Margahayu, as the page asks at zoom 16.
STREET = (LON - 0.0045, LAT - 0.0045, LON + 0.0045, LAT + 0.0045)
# Where the confidential reports lie: inside the street box, away from every public one.
SECRET = (LAT + 0.004, LON + 0.004)
# Two groups, each inside one square of the street view's grid (2^-10 degrees; Margahayu lies 0.0002° below a
# line of it) and in different ones.
PUBLIC_OFFSETS = [(0.0, 0.0), (-0.0001, 0.0001), (-0.0002, -0.0001), (-0.002, 0.002), (-0.0021, 0.0019)]


@pytest.fixture
def street() -> list[str]:
    """Five public reports in the street box (two groups), three confidential ones and a rejected one beside them."""
    category = make_category()
    numbers = [make_case(category, lat=LAT + dlat, lon=LON + dlon).tracking_number for dlat, dlon in PUBLIC_OFFSETS]
    secret = [make_case(category, lat=SECRET[0], lon=SECRET[1], is_confidential=True) for _ in range(3)]
    rejected = case_through(CaseStateChoices.REJECTED, category=category)
    return [*numbers, "|", *(case.tracking_number for case in secret), rejected.tracking_number]


def _box_param(box: tuple[float, float, float, float]) -> str:
    return ",".join(str(v) for v in box)


def test_resolution_follows_the_size_of_the_view() -> None:
    assert map_resolution(106.88, -6.42, 107.08, -6.14) == 6  # the whole city
    assert map_resolution(LON - 0.0225, LAT - 0.0225, LON + 0.0225, LAT + 0.0225) == 8  # ~5 km
    assert map_resolution(*STREET) == 10  # ~1 km: finer than the counted res 9, so a grid of the cases read
    assert map_resolution(LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001) == 11


def test_few_cases_are_points_and_more_are_clusters_that_leave_out_what_is_not_public(
    street: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    public, hidden = street[: street.index("|")], street[street.index("|") + 1 :]
    client = Client()
    body = client.get("/api/v1/public/cases.geojson", {"bbox": _box_param(STREET)}).json()
    assert not body["aggregated"] and body["total"] == 5
    assert sorted(f["properties"]["tracking_number"] for f in body["features"]) == sorted(public)
    assert not any(number in str(body) for number in hidden)

    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    body = client.get("/api/v1/public/cases.geojson", {"bbox": _box_param(STREET)}).json()
    assert body["aggregated"] and body["resolution"] == 16 and body["total"] == 5
    clusters = [f["properties"] for f in body["features"]]
    assert {c["kind"] for c in clusters} == {"cell"} and all(c["cell"].startswith("g") for c in clusters)
    assert sorted(c["count"] for c in clusters) == [2, 3]
    assert not any(number in str(body) for number in public + hidden)
    for feature in body["features"]:
        west, south, east, north = feature["properties"]["bbox"]
        lon, lat = feature["geometry"]["coordinates"]
        assert west <= lon <= east and south <= lat <= north
        # No cluster reaches to where only the confidential reports lie.
        assert not (west <= SECRET[1] <= east and south <= SECRET[0] <= north)


def test_the_confidential_cases_alone_make_no_cluster(street: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 0)
    around_secret = (SECRET[1] - 0.0004, SECRET[0] - 0.0004, SECRET[1] + 0.0004, SECRET[0] + 0.0004)
    view = public_map_view(
        PublicMapFilter(), west=around_secret[0], south=around_secret[1], east=around_secret[2], north=around_secret[3]
    )
    assert view.total == 0 and not view.cells and not view.points


def test_the_whole_city_is_h3_cells_from_the_counts(street: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    make_case(make_category(), lat=BINTARA[0], lon=BINTARA[1])
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    view = public_map_view(PublicMapFilter(), west=-180, south=-90, east=180, north=90)
    # The view is narrowed to the cases' extent (a few km), so the cells are neighbourhoods, not the world.
    assert view.aggregated and view.resolution is not None and 6 <= view.resolution <= 9
    assert all(h3.get_resolution(cell.cell) == view.resolution for cell in view.cells)
    counts = {cell.cell: cell.count for cell in view.cells}
    bintara = h3.cell_to_parent(h3.latlng_to_cell(BINTARA[0], BINTARA[1], 9), view.resolution)
    assert counts.pop(bintara) == 1 and sum(counts.values()) == 5 and view.total == 6
    body = Client().get("/api/v1/public/cases.geojson").json()
    assert body["total"] == 6 and body["resolution"] == view.resolution
    assert sum(f["properties"]["count"] for f in body["features"]) == 6


def test_a_date_range_counts_the_cases_read(street: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    client = Client()
    today = timezone.localdate()
    for box in (STREET, (106.88, -6.42, 107.08, -6.14)):
        body = client.get("/api/v1/public/cases.geojson", {"bbox": _box_param(box), "since": str(today)}).json()
        assert body["aggregated"] and body["total"] == 5
        later = {"bbox": _box_param(box), "since": str(today + timedelta(days=1))}
        assert client.get("/api/v1/public/cases.geojson", later).json()["total"] == 0


def test_a_street_beyond_the_read_limit_is_drawn_from_the_counts(
    street: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    monkeypatch.setattr(queries, "PUBLIC_MAP_READ_LIMIT", 4)

    def no_grid(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cases were read although more than the read limit reach into the view")

    monkeypatch.setattr(queries, "_grid_view", no_grid)
    view = public_map_view(PublicMapFilter(), west=STREET[0], south=STREET[1], east=STREET[2], north=STREET[3])
    assert view.resolution == 9 and view.total == 5
    assert sorted(cell.count for cell in view.cells) == [2, 3] and {len(cell.cell) for cell in view.cells} == {15}


def test_a_small_view_reads_the_counts_round_it_alike(street: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The counts of the res-7 cells round a small box answer as all the city's counts do, wherever the box is."""
    make_case(make_category(), lat=BINTARA[0], lon=BINTARA[1])
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 2)
    boxes = [STREET, (BINTARA[1] - 0.002, BINTARA[0] - 0.002, BINTARA[1] + 0.002, BINTARA[0] + 0.002)]
    # Boxes that only touch the reports' cells from beside them.
    boxes += [(LON + 0.0003, LAT - 0.01, LON + 0.02, LAT + 0.01), (LON - 0.03, LAT - 0.0302, LON + 0.03, LAT - 0.0019)]
    for box in boxes:
        assert queries._coarse_cells_round(*box)
        near = public_map_view(PublicMapFilter(), west=box[0], south=box[1], east=box[2], north=box[3])
        monkeypatch.setattr(queries, "_COARSE_LIST_SPAN", -1.0)
        everywhere = public_map_view(PublicMapFilter(), west=box[0], south=box[1], east=box[2], north=box[3])
        monkeypatch.setattr(queries, "_COARSE_LIST_SPAN", 0.08)
        assert near == everywhere and near.total > 0


def test_a_street_by_category_counts_that_category_and_seeks_its_cases_in_the_cell(
    street: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A category's cases of a cell are found by the index without reading the cell's others (at 10,000,000 cases
    a busy cell holds ~160,000 cases, one category's a few thousand)."""
    other = make_category()
    for dlat, dlon in PUBLIC_OFFSETS:
        make_case(other, lat=LAT + dlat, lon=LON + dlon)
    street_category = Case.objects.get(tracking_number=street[0]).category.code
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 3)
    with CaptureQueriesContext(connection) as captured:
        view = public_map_view(
            PublicMapFilter(category=street_category),
            west=STREET[0],
            south=STREET[1],
            east=STREET[2],
            north=STREET[3],
        )
    assert view.resolution == 16 and sorted(cell.count for cell in view.cells) == [2, 3]  # the other's five left out

    with connection.cursor() as cursor:
        index = connection.introspection.get_constraints(cursor, "cases_case")["case_public_map_point"]
        assert index["columns"][:3] == ["h3_cell", "category_id", "latitude"]
        if connection.vendor == "sqlite":  # PostgreSQL's planner reads a test's few rows by whichever index
            grid_read = next(str(q["sql"]) for q in captured.captured_queries if "FLOOR" in str(q["sql"]))
            cursor.execute("EXPLAIN QUERY PLAN " + grid_read)
            plan = [str(row[-1]) for row in cursor.fetchall()]
            assert any("case_public_map_point (h3_cell=? AND category_id=?" in line for line in plan), plan
