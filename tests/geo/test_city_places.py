"""The city's own places: `patriot import-places` (CSV and GeoJSON), the admin, and the place search that finds them
together with the shipped gazetteer."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command, get_commands
from django.test import Client
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.geo import gazetteer
from patriot.geo.models import CityPlace, Village
from tests.factories import make_user

pytestmark = pytest.mark.django_db
PLACES = "/api/v1/areas/places"
# Points inside Kelurahan Margahayu and Bekasi Jaya (their reference points), and one in central Jakarta.
MARGAHAYU = (-6.251143, 107.004300)
BEKASI_JAYA = (-6.239099, 107.009506)
JAKARTA = (-6.1862, 106.8311)


@pytest.fixture(autouse=True)
def _fresh_places(settings: Settings) -> Iterator[None]:
    """The search holds the city's places per process: a rolled-back test's rows must not answer the next one."""
    settings.PATRIOT_GEOCODER_URL = ""
    gazetteer.reset_city_places()
    yield
    gazetteer.reset_city_places()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _csv(
    tmp_path: Path, *rows: str, name: str = "tempat.csv", header: str = "name,kind,latitude,longitude,source"
) -> Path:
    return _write(tmp_path, name, "\n".join((header, *rows)) + "\n")


def _point(name: str, kind: str, lat: float, lon: float, **properties: str) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, "kind": kind, **properties},
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _geojson(tmp_path: Path, *features: dict) -> Path:
    return _write(tmp_path, "tempat.geojson", json.dumps({"type": "FeatureCollection", "features": list(features)}))


def _import(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("import-places", str(path), *args, stdout=out, verbosity=0)
    return out.getvalue()


def _names(query: str) -> list[str]:
    return [place.name for place in gazetteer.search(query)]


def test_the_command_has_a_hyphenated_name() -> None:
    assert get_commands()["import-places"] == "patriot.geo"


def test_a_csv_is_imported_with_kinds_by_code_or_label_and_kelurahan_from_the_point(
    reference_areas: None, tmp_path: Path
) -> None:
    path = _csv(
        tmp_path,
        f"Pasar Baru Bekasi,market,{MARGAHAYU[0]},{MARGAHAYU[1]},SIG Dinas Perdagangan 2025",
        f"Stasiun Bekasi Timur,Stasiun/terminal,{BEKASI_JAYA[0]},{BEKASI_JAYA[1]},",
    )

    out = _import(path)

    assert "2 baru, 0 lama dihapus" in out
    market, station = CityPlace.objects.order_by("name")
    assert (market.kind, market.source, market.village) == (
        "market",
        "SIG Dinas Perdagangan 2025",
        Village.objects.get(code="32.75.01.1002"),
    )
    # A row without a source gets the file's name; the kind may be written as its Indonesian label.
    assert (station.kind, station.source, station.village.code) == ("station", "tempat.csv", "32.75.01.1001")
    assert market.imported_at is not None and market.is_active
    assert _names("pasar baru") == ["Pasar Baru Bekasi"]


def test_a_geojson_of_points_is_imported_with_the_given_source(reference_areas: None, tmp_path: Path) -> None:
    path = _geojson(
        tmp_path,
        _point("SMP Negeri 99 Contoh", "school", *MARGAHAYU, source="Dapodik 2025"),
        _point("Masjid Contoh Raya", "place_of_worship", *BEKASI_JAYA),
    )

    _import(path, "--source", "SIG Kota 2025 (CC BY 4.0)")

    assert dict(CityPlace.objects.values_list("name", "source")) == {
        "SMP Negeri 99 Contoh": "Dapodik 2025",
        "Masjid Contoh Raya": "SIG Kota 2025 (CC BY 4.0)",
    }
    found = gazetteer.search("masjid contoh")
    assert [(p.name, p.kind, p.source) for p in found] == [("Masjid Contoh Raya", "place_of_worship", "city")]
    assert (found[0].latitude, found[0].longitude) == BEKASI_JAYA


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ((f"Pasar A,market,{MARGAHAYU[0]},{MARGAHAYU[1]},x", "Pasar B,bioskop,-6.25,107.0,x"), 'baris 3: "kind" harus'),
        ((f"Pasar A,market,{MARGAHAYU[0]},{MARGAHAYU[1]},x", ",market,-6.25,107.0,x"), 'baris 3: "name" wajib'),
        ((f"Pasar A,market,{MARGAHAYU[0]},{MARGAHAYU[1]},x", "Pasar B,market,enam,107.0,x"), "baris 3: titik harus"),
        (
            (f"Pasar A,market,{MARGAHAYU[0]},{MARGAHAYU[1]},x", f"pasar a,market,{MARGAHAYU[0]},{MARGAHAYU[1]},x"),
            "baris 3: tempat yang sama sudah ada di baris 2",
        ),
    ],
    ids=["unknown kind", "no name", "latitude not a number", "repeated row"],
)
def test_one_bad_row_refuses_the_whole_file_naming_its_row(
    reference_areas: None, tmp_path: Path, rows: tuple[str, ...], words: str
) -> None:
    path = _csv(tmp_path, *rows)

    with pytest.raises(CommandError) as refused:
        _import(path)

    assert "tidak ada data yang diubah" in str(refused.value)
    assert words in str(refused.value)
    assert not CityPlace.objects.exists()


def test_a_spreadsheets_semicolons_and_decimal_commas_are_read(reference_areas: None, tmp_path: Path) -> None:
    lat, lon = (str(value).replace(".", ",") for value in MARGAHAYU)
    path = _write(
        tmp_path, "tempat.csv", f"\ufeffName;Kind;Latitude;Longitude\nSD Negeri Contoh 1;Sekolah;{lat};{lon}\n"
    )

    _import(path)

    place = CityPlace.objects.get()
    assert (place.name, place.kind, place.latitude, place.longitude) == ("SD Negeri Contoh 1", "school", *MARGAHAYU)


def test_comment_lines_keep_the_row_numbers_of_the_file(reference_areas: None, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "tempat.csv",
        f"# dari SIG kota\nname,kind,latitude,longitude\nTaman A,park,{MARGAHAYU[0]},{MARGAHAYU[1]}\nTaman B,park,x,y\n",
    )

    with pytest.raises(CommandError, match="baris 4: titik harus"):
        _import(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("name,kind,lat,lon\nPasar A,market,-6.25,107.0\n", "tidak ada: latitude, longitude"),
        ("name,kind,latitude,longitude\n", "tidak berisi satu tempat pun"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _point("Taman A", "park", *MARGAHAYU),
                        {
                            "type": "Feature",
                            "properties": {"name": "Jalan B", "kind": "street"},
                            "geometry": {"type": "LineString", "coordinates": [[107.0, -6.25], [107.01, -6.25]]},
                        },
                    ],
                }
            ),
            "features[1]: geometri harus berupa Point",
        ),
    ],
    ids=["csv without coordinate columns", "no rows", "geojson line"],
)
def test_an_unusable_file_is_refused_with_the_reason(
    reference_areas: None, tmp_path: Path, text: str, words: str
) -> None:
    path = _write(tmp_path, "tempat.geojson" if text.startswith("{") else "tempat.csv", text)

    with pytest.raises(CommandError) as refused:
        _import(path)

    assert words in str(refused.value)
    assert not CityPlace.objects.exists()


def test_a_point_outside_the_city_is_refused_and_nothing_is_written(reference_areas: None, tmp_path: Path) -> None:
    path = _geojson(
        tmp_path,
        _point("Taman Kota Contoh", "park", *MARGAHAYU),
        _point("Monas", "park", *JAKARTA),
    )

    with pytest.raises(CommandError) as refused:
        _import(path)

    assert "features[1]: Lokasi berada di luar wilayah Kota Bekasi" in str(refused.value)
    assert "features[0]" not in str(refused.value)
    assert not CityPlace.objects.exists()


def test_replace_swaps_the_set_of_the_same_source_and_keeps_others(reference_areas: None, tmp_path: Path) -> None:
    first = _csv(
        tmp_path,
        f"Pasar Lama Contoh,market,{MARGAHAYU[0]},{MARGAHAYU[1]},SIG 2024",
        f"Terminal Lama Contoh,station,{BEKASI_JAYA[0]},{BEKASI_JAYA[1]},SIG 2024",
        f"Kantor Lain Contoh,office,{BEKASI_JAYA[0]},{BEKASI_JAYA[1]},Dataset lain",
    )
    _import(first)
    by_hand = CityPlace.objects.create(
        name="Taman Tambahan Contoh", kind="park", latitude=MARGAHAYU[0], longitude=MARGAHAYU[1], source="SIG 2024"
    )
    update = _csv(tmp_path, f"Pasar Lama Contoh,market,{MARGAHAYU[0]},{MARGAHAYU[1]},SIG 2024", name="baru.csv")

    with pytest.raises(CommandError, match="sudah diimpor; pakai --replace"):
        _import(update)
    assert CityPlace.objects.count() == 4
    out = _import(update, "--replace")

    assert "1 baru, 2 lama dihapus; sumber: SIG 2024" in out
    assert set(CityPlace.objects.values_list("name", flat=True)) == {
        "Pasar Lama Contoh",
        "Kantor Lain Contoh",
        by_hand.name,
    }
    assert _names("terminal lama") == []


def test_the_report_forms_place_search_finds_a_city_place_with_the_shipped_ones(
    reference_areas: None, tmp_path: Path, client: Client
) -> None:
    _import(_csv(tmp_path, f"Pasar Margahayu Contoh,market,{MARGAHAYU[0]},{MARGAHAYU[1]},SIG 2025"))

    # Anonymous, as the citizen's report form asks it.
    body = client.get(PLACES, {"q": "margahayu"}).json()
    own = client.get(PLACES, {"q": "pasar margahayu"}).json()

    names = [place["name"] for place in body]
    assert "Kelurahan Margahayu" in names and "Pasar Margahayu Contoh" in names
    assert own == [
        {
            "name": "Pasar Margahayu Contoh",
            "kind": "market",
            "latitude": MARGAHAYU[0],
            "longitude": MARGAHAYU[1],
            "source": "city",
        }
    ]


def test_an_inactive_place_is_not_offered(reference_areas: None, client: Client) -> None:
    CityPlace.objects.create(
        name="Pasar Tutup Contoh",
        kind="market",
        latitude=MARGAHAYU[0],
        longitude=MARGAHAYU[1],
        source="x",
        is_active=False,
    )

    assert client.get(PLACES, {"q": "pasar tutup"}).json() == []


def test_the_held_places_are_cleared_on_save_and_delete_and_expire_for_unsignalled_changes(
    reference_areas: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _names("pasar contoh") == []  # loads the (empty) copy

    place = CityPlace.objects.create(
        name="Pasar Contoh", kind="market", latitude=MARGAHAYU[0], longitude=MARGAHAYU[1], source="SIG"
    )
    assert _names("pasar contoh") == ["Pasar Contoh"]  # post_save cleared the copy

    # An UPDATE sends no signal: the held copy answers until it is older than the TTL.
    CityPlace.objects.filter(pk=place.pk).update(name="Pasar Contoh Baru")
    assert _names("pasar contoh") == ["Pasar Contoh"]
    monkeypatch.setattr(gazetteer, "CITY_PLACES_TTL_SECONDS", 0.0)
    assert _names("pasar contoh") == ["Pasar Contoh Baru"]
    monkeypatch.undo()

    CityPlace.objects.get(pk=place.pk).delete()
    assert _names("pasar contoh") == []


def test_a_search_between_a_save_and_its_commit_does_not_keep_what_it_read(
    reference_areas: None, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    assert _names("taman contoh") == []
    with django_capture_on_commit_callbacks(execute=True):
        CityPlace.objects.create(
            name="Taman Contoh", kind="park", latitude=MARGAHAYU[0], longitude=MARGAHAYU[1], source="SIG"
        )
        assert _names("taman contoh") == ["Taman Contoh"]  # read after the save, before the commit
        CityPlace.objects.filter(name="Taman Contoh").update(is_active=False)
        assert _names("taman contoh") == ["Taman Contoh"]  # still held
    # The commit cleared the copy again: the next search reads the rows as committed.
    assert _names("taman contoh") == []


def test_the_admin_adds_a_place_with_its_kelurahan_and_refuses_a_point_outside(
    reference_areas: None, admin_client: Client
) -> None:
    url = "/admin/geo/cityplace/add/"
    form = {"name": "Kantor Kelurahan Contoh", "kind": "office", "source": "survei 2025", "is_active": "on"}

    outside = admin_client.post(url, {**form, "latitude": JAKARTA[0], "longitude": JAKARTA[1]})
    added = admin_client.post(url, {**form, "latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]})

    assert outside.status_code == 200 and "di luar wilayah" in outside.content.decode()
    assert added.status_code == 302
    place = CityPlace.objects.get()
    assert place.village is not None and place.village.code == "32.75.01.1002" and place.imported_at is None
    assert _names("kantor kelurahan contoh") == ["Kantor Kelurahan Contoh"]

    admin_client.post("/admin/geo/cityplace/", {"action": "deactivate", "_selected_action": [place.pk], "index": 0})
    assert _names("kantor kelurahan contoh") == []
    assert admin_client.get("/admin/geo/cityplace/", {"q": "contoh"}).status_code == 200


def test_only_the_admin_may_manage_places(reference_areas: None, client: Client) -> None:
    url = "/admin/geo/cityplace/"
    anonymous = client.get(url)
    client.force_login(make_user(RoleChoices.POC_SUPERVISOR))
    staff = client.get(url)

    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert staff.status_code == 302 and "/login/" in staff["Location"]
