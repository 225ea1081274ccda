"""Fixtures for the case tests: the city's reference areas and a throw-away MEDIA_ROOT."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from tests.factories import load_areas


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> Path:
    """Photos written by the services land in the test's own directory, never in var/media."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture
def areas(db: None) -> None:
    """The 12 kecamatan and 56 kelurahan of load_reference_areas(), with the lookup index rebuilt."""
    load_areas()
