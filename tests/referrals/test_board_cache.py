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
