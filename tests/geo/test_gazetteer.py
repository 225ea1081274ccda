"""Finding a place by name: the shipped gazetteer, the optional geocoder (a local stub), the API and the map settings."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django import Settings

from patriot.core.security import content_security_policy
from patriot.geo import gazetteer
from tests.fresh_settings import setting
from tests.stub_servers import GeocoderStub, serving

pytestmark = pytest.mark.django_db
PLACES = "/api/v1/areas/places"
# One place in Bekasi, one in Jakarta (outside the city: never offered).
STUB_PLACES = [
    {"lat": "-6.2490", "lon": "107.0010", "display_name": "Jalan Cut Mutia, Margahayu, Bekasi", "type": "road"},
    {"lat": "-6.1754", "lon": "106.8272", "display_name": "Jalan Cut Meutia, Menteng, Jakarta", "type": "road"},
]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_the_gazetteer_finds_streets_facilities_and_areas_by_any_words() -> None:
    assert gazetteer.search_gazetteer("ahmad yani")[0].name == "Jl. Jenderal Ahmad Yani"
    assert gazetteer.search_gazetteer("Jalan Ahmd Yani")[0].name == "Jl. Jenderal Ahmad Yani"  # a typo
    assert gazetteer.search_gazetteer("margahayu")[0].name == "Kelurahan Margahayu"
    assert any(p.kind == "puskesmas" for p in gazetteer.search_gazetteer("puskesmas"))
    assert gazetteer.search_gazetteer("zzqx") == []


def test_every_gazetteer_row_names_its_source_and_lies_in_the_city(reference_areas: None) -> None:
    from patriot.geo.lookup import locate, reset_area_index

    reset_area_index()
    kinds = set()
    for entry in gazetteer.entries():
        kinds.add(entry.place.kind)
        locate(entry.place.latitude, entry.place.longitude)
    assert {"kelurahan", "kecamatan", "hospital", "puskesmas", "street"} <= kinds
    text = gazetteer.GAZETTEER_FILE.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if not line.startswith("#")][1:]
    assert rows and all(line.split(",")[-1].strip() for line in rows)


def test_the_api_answers_from_the_gazetteer_without_a_geocoder(client: Client, settings: Settings) -> None:
    settings.PATRIOT_GEOCODER_URL = ""
    body = client.get(PLACES, {"q": "pramuka"}).json()
    assert body[0]["name"] == "Jl. Pramuka" and body[0]["source"] == "gazetteer"


def test_the_geocoder_adds_places_inside_the_city_and_is_cached(
    client: Client, settings: Settings, reference_areas: None
) -> None:
    from patriot.geo.lookup import reset_area_index

    reset_area_index()
    with serving(GeocoderStub(STUB_PLACES)) as stub:
        settings.PATRIOT_GEOCODER_URL = stub.url
        first = client.get(PLACES, {"q": "cut mutia"}).json()
        again = client.get(PLACES, {"q": "Cut Mutia"}).json()
    assert [p["name"] for p in first] == ["Jalan Cut Mutia, Margahayu, Bekasi"]
    assert first[0]["source"] == "geocoder" and again == first
    assert len(stub.queries) == 1  # the second answer came from the cache
    assert stub.queries[0]["bounded"] == ["1"] and stub.queries[0]["countrycodes"] == ["id"]


def test_a_slow_geocoder_costs_only_its_timeout(settings: Settings) -> None:
    with serving(GeocoderStub(STUB_PLACES, delay=3)) as stub:
        settings.PATRIOT_GEOCODER_URL = stub.url
        settings.PATRIOT_GEOCODER_TIMEOUT_SECONDS = 0.3
        started = time.monotonic()
        found = gazetteer.search("cut mutia")
        assert time.monotonic() - started < 2.5
    assert found == []


def test_the_geocoder_is_rate_limited_per_visitor(client: Client, settings: Settings, reference_areas: None) -> None:
    with serving(GeocoderStub(STUB_PLACES)) as stub:
        settings.PATRIOT_GEOCODER_URL = stub.url
        settings.PATRIOT_GEOCODER_RATE_PER_MINUTE = 2
        for word in ("cut a", "cut b", "cut c", "cut d"):
            client.get(PLACES, {"q": word})
    assert len(stub.queries) == 2


def test_maps_default_to_openstreetmap_with_attribution() -> None:
    assert setting("PATRIOT_TILE_URL") == repr("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "OpenStreetMap" in setting("PATRIOT_TILE_ATTRIBUTION")
    assert setting("PATRIOT_TILE_URL", PATRIOT_TILE_URL="") == "''"  # polygons only, on purpose
    assert setting("PATRIOT_GEOCODER_URL") == "''"


def test_the_report_map_carries_the_tile_server_and_its_attribution(
    client: Client, settings: Settings, reference_areas: None
) -> None:
    settings.PATRIOT_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    response = client.get("/lapor/")
    html = response.content.decode()
    assert 'data-tile-url="http://127.0.0.1:9/{z}/{x}/{y}.png"' in html
    assert 'data-tile-attribution="© OpenStreetMap contributors"' in html
    assert "http://127.0.0.1:9" in response["Content-Security-Policy"]
    assert "http://127.0.0.1:9" in content_security_policy()


def test_every_health_facility_of_the_referrals_seed_is_in_the_gazetteer() -> None:
    import csv

    from patriot.referrals.services.beds import FACILITIES_FILE

    with FACILITIES_FILE.open(encoding="utf-8", newline="") as handle:
        facilities = {row["name"]: row for row in csv.DictReader(handle)}
    placed = {entry.place.name: entry.place for entry in gazetteer.entries()}
    # Only a facility with neither a point nor a kecamatan has nowhere to stand.
    nowhere = {name for name, row in facilities.items() if not row["latitude"] and not row["kecamatan"]}
    assert set(facilities) - nowhere <= set(placed)
    assert nowhere == {"RS Umum As-Shofwan"}
    assert all(placed[name].kind == facilities[name]["kind"] for name in set(facilities) - nowhere)


def test_a_typed_kind_puts_that_kind_of_place_first() -> None:
    assert gazetteer.search_gazetteer("puskesmas bintara")[0].name == "Puskesmas Bintara"
    assert gazetteer.search_gazetteer("kelurahan bintara")[0].name == "Kelurahan Bintara"
    # A puskesmas without a point of its own is found by its kelurahan's spelling too, and stands in it.
    found = gazetteer.search_gazetteer("puskesmas jatikarya")[0]
    assert found.name == "Puskesmas Jati Karya"
    kelurahan = gazetteer.search_gazetteer("kelurahan jatikarya")[0]
    assert (found.latitude, found.longitude) == (kelurahan.latitude, kelurahan.longitude)


def test_every_example_in_the_search_box_is_found(client: Client, settings: Settings) -> None:
    import re

    settings.PATRIOT_GEOCODER_URL = ""
    page = client.get("/lapor/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    placeholder = re.search(r'id="place-search-input"[^>]*placeholder="mis\. ([^"]+)"', page, re.S)
    assert placeholder is not None
    for example in placeholder.group(1).split(", "):
        assert gazetteer.search_gazetteer(example), example


def test_typos_are_forgiven_only_when_nothing_matches_as_typed() -> None:
    names = [place.name for place in gazetteer.search_gazetteer("puskesmas bintara")]
    assert names[:2] == ["Puskesmas Bintara", "Puskesmas Bintara Jaya"]
    assert not any("Bantar" in name for name in names)  # one letter from "bantar", but Bintara exists
    assert gazetteer.search_gazetteer("puskesmas bintra")[0].name == "Puskesmas Bintara"  # a typo still finds it
