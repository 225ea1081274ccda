"""The bed board cached per hospital (referrals.board_cache): a change rebuilds only the hospital it concerns and is
on the board at once; the other hospitals come from the cache; the order by free beds follows the change."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from patriot.accounts.models import OrganisationUnit, User
from patriot.referrals import services
from patriot.referrals.models import Facility
from patriot.referrals.services import BedFigures


def board(url: str = "/tempat-tidur/") -> str:
    return Client().get(url).content.decode()


def test_a_change_rebuilds_its_hospital_only_and_shows_at_once(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=8, occupied=1))
    first = board()
    assert "RSUD Kota Bekasi" in first and "RS Jakarta" in first
    # A rename is not a bed change: both hospitals' parts stay cached (a minute at most).
    OrganisationUnit.objects.filter(pk=hospital.unit_id).update(name="RSUD Baru")
    OrganisationUnit.objects.filter(pk=other_hospital.unit_id).update(name="RS Jakarta Baru")
    assert "RSUD Baru" not in board() and "RS Jakarta Baru" not in board()
    # A tap at the other hospital: its part is rebuilt (new figure, and its new name with it), the first one's
    # part still comes from the cache.
    services.tap(other_nurse, other_hospital, "icu", "occupied", 1)
    after = board()
    assert "RS Jakarta Baru" in after and "<span data-free>6</span>" in after
    assert "RSUD Baru" not in after and "RSUD Kota Bekasi" in after and "<span data-free>4</span>" in after


def test_nothing_changed_is_one_query_and_the_order_follows_free_beds(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=8, occupied=1))
    page = board("/tempat-tidur/?jenis=icu")
    assert page.index('data-hospital="rs-jakarta"') < page.index('data-hospital="rsud-bekasi"')  # 7 free before 4
    with CaptureQueriesContext(connection) as queries:
        board("/tempat-tidur/?jenis=icu")
    board_queries = [q["sql"] for q in queries.captured_queries if "referrals_bedcount" in q["sql"]]
    assert len(board_queries) == 1  # the versions; the figures themselves come from the cache
    for _ in range(5):
        services.tap(other_nurse, other_hospital, "icu", "occupied", 1)
    page = board("/tempat-tidur/?jenis=icu")  # now 2 free against 4
    assert page.index('data-hospital="rsud-bekasi"') < page.index('data-hospital="rs-jakarta"')


# --- the public JSON API shares the board's per-hospital versions ------------------------------------------------


API = "/api/v1/referrals/beds"


def uncached_api(bed_type: str = "") -> bytes:
    """The API's body as ninja wrote it from the schema before the cache: the reference the cached body must equal."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from patriot.referrals import queries
    from patriot.referrals.schemas import BedBoardOut

    rows = [
        BedBoardOut(
            facility=row.hospital_code,
            nama=row.hospital,
            id_tt=row.bed_type,
            jumlah=row.total,
            kosong=row.free,
            updated_at=row.updated_at,
            usang=row.stale,
        ).model_dump()
        for row in queries.board(bed_type or None)
    ]
    return json.dumps(rows, cls=NinjaJSONEncoder).encode()


def test_the_api_answers_what_the_schema_wrote_and_a_change_or_staleness_shows_at_once(
    nurse: User, hospital: Facility, other_nurse: User, other_hospital: Facility
) -> None:
    from datetime import timedelta

    from patriot.core import clock

    assert Client().get(API).content == b"[]"
    services.set_beds(nurse, hospital, "icu", BedFigures(total=10, occupied=6))
    services.set_beds(nurse, hospital, "class_3", BedFigures(total=40, occupied=30))
    services.set_beds(other_nurse, other_hospital, "icu", BedFigures(total=8, occupied=1))
    for url, bed_type in ((API, ""), (API + "?id_tt=icu", "icu"), (API + "?id_tt=nicu", "nicu")):
        for _ in range(2):  # built, then from the cache
            response = Client().get(url)
            assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
            assert response.content == uncached_api(bed_type), url
    # Nothing changed: one query (the versions), the rows from the cache.
    with CaptureQueriesContext(connection) as captured:
        Client().get(API)
    assert len([q for q in captured.captured_queries if "referrals_bedcount" in q["sql"]]) == 1
    # A rename is not a bed change (a minute at most); a tap rebuilds that hospital only and shows at once.
    OrganisationUnit.objects.filter(pk=hospital.unit_id).update(name="RSUD Baru")
    OrganisationUnit.objects.filter(pk=other_hospital.unit_id).update(name="RS Jakarta Baru")
    services.tap(other_nurse, other_hospital, "icu", "occupied", 1)
    rows = {(row["facility"], row["id_tt"]): row for row in Client().get(API).json()}
    assert rows[("rs-jakarta", "icu")]["kosong"] == 6 and rows[("rs-jakarta", "icu")]["nama"] == "RS Jakarta Baru"
    assert rows[("rsud-bekasi", "icu")]["kosong"] == 4 and rows[("rsud-bekasi", "icu")]["nama"] == "RSUD Kota Bekasi"
    # Past the stale age, the cached body is not served: the figures are stale, without a free count.
    with clock.pinned(clock.now() + timedelta(hours=6, minutes=1)):
        stale = Client().get(API).json()
        assert stale and all(row["usang"] is True and row["kosong"] is None for row in stale)
        assert Client().get(API).content == uncached_api()
