"""At city scale: the public map's cell counts kept by triggers, the map drawn from them, capped list counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test import Client
from django.test.utils import CaptureQueriesContext

from patriot.accounts.choices import RoleChoices
from patriot.cases import filters, queries
from patriot.cases.choices import CaseStateChoices
from patriot.cases.models import Case, PublicMapCell
from patriot.cases.queries import PublicMapFilter, public_map_view, rebuild_public_map_cells
from patriot.core import paging
from tests.factories import BINTARA, MARGAHAYU, case_through, make_case, make_category, staff

pytestmark = pytest.mark.usefixtures("areas")


def _counts() -> dict[tuple[str, int, str, int], int]:
    """PublicMapCell as {(cell, category, state, district): cases}, without rows that fell to 0."""
    rows = PublicMapCell.objects.filter(cases__gt=0)
    return {(r.h3_cell, r.category_id, r.state, r.district_id): r.cases for r in rows}


def _counted_from_cases() -> dict[tuple[str, int, str, int], int]:
    counts: dict[tuple[str, int, str, int], int] = {}
    for case in Case.objects.filter(is_confidential=False):
        key = (case.h3_cell, case.category_id, case.state, case.district_id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_cell_counts_follow_every_write_to_a_case() -> None:
    category, other = make_category(), make_category()
    first = make_case(category)
    second = make_case(category, lat=BINTARA[0], lon=BINTARA[1])
    secret = make_case(category, is_confidential=True)
    assert _counts() == _counted_from_cases() and sum(_counts().values()) == 2
    # A state change through the ORM, a bulk update, a category change, confidentiality both ways, a deletion.
    first.state = CaseStateChoices.VERIFIED
    first.save()
    Case.objects.filter(pk=second.pk).update(category=other, state=CaseStateChoices.DISPATCHED)
    Case.objects.filter(pk=secret.pk).update(is_confidential=False)
    assert _counts() == _counted_from_cases() and sum(_counts().values()) == 3
    Case.objects.filter(pk=first.pk).update(is_confidential=True)
    second.delete()
    assert _counts() == _counted_from_cases() and sum(_counts().values()) == 1
    # The recount gives the same (it is what a bulk load that bypassed the triggers calls).
    rebuild_public_map_cells()
    assert _counts() == _counted_from_cases()


def test_map_drawn_from_the_counts_when_many_cases_reach_into_the_view(monkeypatch: pytest.MonkeyPatch) -> None:
    category = make_category()
    for _ in range(4):
        make_case(category)
    make_case(category, lat=BINTARA[0], lon=BINTARA[1])
    make_case(category, is_confidential=True)
    case_through(CaseStateChoices.REJECTED, category=category)
    monkeypatch.setattr(queries, "PUBLIC_MAP_READ_LIMIT", 2)
    monkeypatch.setattr(queries, "PUBLIC_MAP_POINT_CAP", 2)

    def no_case_read(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the cases were read although the counts answer")

    monkeypatch.setattr(queries, "_read_points", no_case_read)
    monkeypatch.setattr(queries, "_grid_view", no_case_read)
    city = public_map_view(PublicMapFilter(), west=106.8, south=-6.5, east=107.2, north=-6.1)
    assert city.aggregated and not city.points and city.total == 5 and city.resolution == 6
    # Zoomed in (~11 km): res-7 cells, Margahayu's and Bintara's apart.
    town = public_map_view(PublicMapFilter(), west=106.93, south=-6.30, east=107.03, north=-6.20)
    assert town.resolution == 7 and sorted(cell.count for cell in town.cells) == [1, 4]
    box = (MARGAHAYU[1] - 0.0045, MARGAHAYU[0] - 0.0045, MARGAHAYU[1] + 0.0045, MARGAHAYU[0] + 0.0045)
    near = public_map_view(PublicMapFilter(), west=box[0], south=box[1], east=box[2], north=box[3])
    assert near.total == 4 and len(near.cells) == 1 and len(near.cells[0].cell) == 15  # a res-9 cell
    assert public_map_view(PublicMapFilter(state="rejected"), west=106.8, south=-6.5, east=107.2, north=-6.1).total == 0
    nowhere = public_map_view(PublicMapFilter(), west=100.0, south=-1.0, east=100.1, north=-0.9)
    assert nowhere.total == 0 and not nowhere.cells
    # Over HTTP, anonymously: cells with counts only, nothing of the confidential case.
    body = Client().get("/api/v1/public/cases.geojson").json()
    assert body["aggregated"] and body["total"] == 5
    assert {feature["properties"]["kind"] for feature in body["features"]} == {"cell"}


def test_a_small_view_reads_only_the_cells_reaching_into_it() -> None:
    category = make_category()
    near = make_case(category)
    make_case(category, lat=BINTARA[0], lon=BINTARA[1])
    make_case(category, is_confidential=True)
    box = f"{MARGAHAYU[1] - 0.0045},{MARGAHAYU[0] - 0.0045},{MARGAHAYU[1] + 0.0045},{MARGAHAYU[0] + 0.0045}"
    body = Client().get("/api/v1/public/cases.geojson", {"bbox": box}).json()
    assert not body["aggregated"] and body["total"] == 1
    assert [feature["properties"]["tracking_number"] for feature in body["features"]] == [near.tracking_number]
    # With a date range (the counts have no dates) the cases are read as before.
    dated = Client().get("/api/v1/public/cases.geojson", {"bbox": box, "since": "2000-01-01"}).json()
    assert dated["total"] == 1


def test_list_counts_stop_at_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    category = make_category()
    for _ in range(4):
        make_case(category)
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    html = client.get("/poc/cari/").content.decode()
    assert "Lebih dari 3 laporan ditemukan." in html
    public = Client().get("/peta/").content.decode()
    assert "Lebih dari 3 laporan" in public
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    assert "4 laporan ditemukan." in client.get("/poc/cari/").content.decode()
    assert "Lebih dari" not in client.get("/poc/cari/").content.decode()
    assert PublicMapCell.objects.aggregate(n=Sum("cases"))["n"] == 4


def test_the_capped_count_leaves_the_order_to_the_database() -> None:
    """Any cap + 1 matching rows will do for the count: without the list's ORDER BY the database reads them from
    whichever index answers the filter instead of walking the newest-first order (at a million cases, the
    difference between a few ms and a second for a filter matching one case in twenty)."""
    category = make_category()
    for _ in range(3):
        make_case(category)
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    with CaptureQueriesContext(connection) as sent:
        html = client.get("/poc/cari/", {"category": category.code, "sort": "priority"}).content.decode()
    assert "3 laporan ditemukan." in html
    counts = [q["sql"] for q in sent.captured_queries if "COUNT(" in q["sql"].upper() and "cases_case" in q["sql"]]
    assert len(counts) == 1 and "ORDER BY" not in counts[0].upper() and "LIMIT" in counts[0].upper()


def _searched(client: Client, query: dict[str, str]) -> tuple[str, list[str]]:
    """The search page's HTML and the count statements it sent."""
    with CaptureQueriesContext(connection) as sent:
        html = client.get("/poc/cari/", query).content.decode()
    counts = [q["sql"] for q in sent.captured_queries if "COUNT(" in q["sql"].upper() and "cases_case" in q["sql"]]
    return html, counts


def test_a_text_search_counts_only_to_its_own_lower_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    """A word's matches cost a trigram index scan plus a row read per match counted (PostgreSQL) or a LIKE scan
    (SQLite): a text filter counts to TEXT_COUNT_CAP (1,000), the other filters to COUNT_CAP (10,000), and the page
    says honestly that there are more."""
    category = make_category()
    for _ in range(3):
        make_case(category, description="Sungai meluap sampai ke jalan.")
    make_case(category, description="Tanggul retak.")
    monkeypatch.setattr(filters, "TEXT_COUNT_CAP", 2)
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    html, counts = _searched(client, {"text": "sungai"})
    assert "Lebih dari 2 laporan ditemukan." in html
    assert len(counts) == 1 and "LIMIT 3" in counts[0].upper()
    html, counts = _searched(client, {"category": category.code})
    assert "4 laporan ditemukan." in html and "Lebih dari" not in html
    assert len(counts) == 1 and f"LIMIT {paging.COUNT_CAP + 1}" in counts[0].upper()
    html, _counts = _searched(client, {"text": "tanggul"})
    assert "1 laporan ditemukan." in html and "Lebih dari" not in html


def test_a_text_search_finds_the_title_or_the_description_never_across_them() -> None:
    """On PostgreSQL the text filter is one LIKE on the title and the description joined by a line break
    (search_sql.TitleAndDescription): it must find what `title ILIKE … OR description ILIKE …` finds, no more."""
    road = make_category(name="Jalan rusak")
    in_title = make_case(road, description="Berlubang di depan sekolah.")
    in_description = make_case(make_category(name="Lainnya"), description="Ada JALAN amblas.")
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))

    def found(text: str) -> set[str]:
        html = client.get("/poc/cari/", {"text": text}).content.decode()
        return {case.tracking_number for case in (in_title, in_description) if case.tracking_number in html}

    assert in_title.title.lower().startswith("jalan rusak")
    assert found("jalan") == {in_title.tracking_number, in_description.tracking_number}
    assert found("amblas") == {in_description.tracking_number}
    assert found("rusak") == {in_title.tracking_number}
    # The end of the title and the start of the description are not one text; nor is a typed line break.
    seam = f"{in_title.title[-4:]} {in_title.description[:4]}"
    assert found(seam) == set()
    assert found(f"{in_title.title[-4:]}\n{in_title.description[:4]}") == set()
    assert found("sekolah") == {in_title.tracking_number}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's expression and trigram indexes")
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ({"text": "jalan"}, "case_text_trgm"),
        ({"hour": "3"}, "case_created_hour"),
        ({"sort": "priority"}, "case_priority_order"),
        ({"sort": "due"}, "case_due_order"),
        ({"channel": "field"}, "case_channel_created"),
    ],
)
def test_each_search_reads_its_index_on_postgresql(query: dict[str, str], index: str) -> None:
    """The indexes of cases/0015 and 0016 repeat the expressions Django writes for these filters and orders; if the
    query changes (priority_rank, the hour's time zone, icontains), the planner can no longer use them. (Part of a
    phone number's trigram index is left out: on one row the planner prefers any other index even so.)"""
    make_case(make_category())
    client = Client()
    client.force_login(staff(RoleChoices.POC_SUPERVISOR))
    with CaptureQueriesContext(connection) as sent:
        assert client.get("/poc/cari/", query).status_code == 200
    statements = [q["sql"] for q in sent.captured_queries if 'FROM "cases_case"' in q["sql"]]
    plans = []
    with connection.cursor() as cursor:
        cursor.execute('ANALYZE "cases_case"')
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: make the planner show what it can use
        cursor.execute("SET LOCAL enable_sort = off")
        # Once autovacuum has marked the few pages all-visible (after earlier tests' rolled-back rows), an index-only
        # scan of another index, filtered row by row, can tie on one row: the plans are taken with and without.
        for index_only in ("on", "off"):
            cursor.execute(f"SET LOCAL enable_indexonlyscan = {index_only}")
            for sql in statements:
                cursor.execute("EXPLAIN " + sql)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    assert any(index in plan for plan in plans), plans
