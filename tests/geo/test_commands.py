"""`patriot load-areas` and `patriot import-areas FILE.geojson`."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, ManagementUtility, call_command, get_commands

from patriot.geo.models import District, Village
from tests.geo.conftest import area_snapshot, feature_collection, reference_rows, square_feature

pytestmark = pytest.mark.django_db


def _official_squares(*codes: str) -> dict:
    rows = {row["code"]: row for row in reference_rows("kelurahan.csv")}
    return feature_collection(
        *(
            square_feature(
                code, rows[code]["name"], float(rows[code]["centroid_lat"]), float(rows[code]["centroid_lon"])
            )
            for code in codes
        )
    )


def test_the_commands_have_hyphenated_names() -> None:
    assert get_commands()["import-areas"] == "patriot.geo"
    assert get_commands()["load-areas"] == "patriot.geo"


def test_load_areas_loads_and_reports_the_counts() -> None:
    out = StringIO()

    call_command("load-areas", stdout=out)

    assert "12 kecamatan, 56 kelurahan" in out.getvalue()
    assert (District.objects.count(), Village.objects.count()) == (12, 56)


def test_import_areas_imports_the_file_shows_progress_and_a_summary(
    reference_areas: None, write_geojson: Callable[[dict | str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_geojson(_official_squares("32.75.01.1001", "32.75.01.1002", "32.75.03.1001"))
    out = StringIO()

    call_command("import-areas", str(path), stdout=out)

    assert "3 kelurahan (0 baru, 3 diperbarui)" in out.getvalue()
    assert "3/3" in capsys.readouterr().err
    assert Village.objects.filter(boundary_is_approximate=False).count() == 3


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json at all", "JSON"),
        ('{"type": "FeatureCollection"}', '"features"'),
        (
            feature_collection(
                square_feature("32.75.01.1001", "Bekasi Jaya", -6.239099, 107.009506),
                square_feature("32.75.99.1001", "Entah", -6.2, 107.0),
            ),
            "features[1] (32.75.99.1001)",
        ),
        (
            feature_collection(
                {
                    "type": "Feature",
                    "properties": {"code": "32.75.01.1001", "name": "Bekasi Jaya"},
                    "geometry": {"type": "Polygon", "coordinates": [[[107.0, -6.2], [107.01, -6.2]]]},
                }
            ),
            "features[0] (32.75.01.1001)",
        ),
    ],
    ids=["not json", "no features", "unknown kecamatan", "invalid geometry"],
)
def test_import_areas_refuses_a_bad_file_without_changing_anything(
    reference_areas: None, write_geojson: Callable[[dict | str], Path], content: dict | str, words: str
) -> None:
    path = write_geojson(content)
    before = area_snapshot()

    with pytest.raises(CommandError) as refused:
        call_command("import-areas", str(path), stdout=StringIO())

    assert "tidak ada data yang diubah" in str(refused.value)
    assert words in str(refused.value)
    assert area_snapshot() == before


def test_import_areas_names_a_missing_file(reference_areas: None, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="tidak ditemukan"):
        call_command("import-areas", str(tmp_path / "nowhere.geojson"), stdout=StringIO())


def test_import_areas_exits_non_zero_with_the_reason_on_stderr(
    reference_areas: None, write_geojson: Callable[[dict | str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_geojson(feature_collection({"type": "Feature", "properties": {"code": "32.75.01.1001"}}))

    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["patriot", "import-areas", str(path), "--skip-checks"]).execute()

    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("CommandError: Impor dibatalkan, tidak ada data yang diubah:")
    assert 'features[0] (32.75.01.1001): properti "name" wajib diisi' in captured.err
    assert "0/1" not in captured.err, "no progress bar for a file refused while being checked"
    assert captured.out == ""
