"""Fixtures for the area tests: reference rows from the project's CSV, loaded areas and a clean lookup index."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely

from patriot.geo.lookup import reset_area_index
from patriot.geo.models import District, Village
from patriot.geo.services import DATA_DIR, load_reference_areas


def reference_rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def square_feature(code: str, name: str, lat: float, lon: float, half_size: float = 0.002, **extra: Any) -> dict:
    """A GeoJSON Feature: a square of 2 × half_size degrees centred on the point."""
    square = shapely.box(lon - half_size, lat - half_size, lon + half_size, lat + half_size)
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, **extra},
        "geometry": shapely.geometry.mapping(square),
    }


def feature_collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def area_snapshot() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every column of every area row, to prove a refused import changed nothing."""
    return list(District.objects.order_by("code").values()), list(Village.objects.order_by("code").values())


@pytest.fixture(autouse=True)
def _fresh_area_index() -> Iterator[None]:
    """The index lives per process; rows of a rolled-back test must not answer the next test's lookups."""
    reset_area_index()
    yield
    reset_area_index()


@pytest.fixture
def villages_csv() -> list[dict[str, str]]:
    return reference_rows("kelurahan.csv")


@pytest.fixture
def reference_areas(db: None) -> None:
    load_reference_areas()


@pytest.fixture
def write_geojson(tmp_path: Path) -> Callable[[dict | str], Path]:
    """Writes a FeatureCollection (or raw text) to a file in the test's directory and returns its path."""

    def write(content: dict | str) -> Path:
        path = tmp_path / "areas.geojson"
        path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
        return path

    return write
