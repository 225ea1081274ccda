"""Fixtures for Si Tik Tik's tests: areas, a throw-away MEDIA_ROOT, jumantik and an inspection builder."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.larvae.services import ContainerEntry, InspectionSubmission
from tests.factories import MARGAHAYU, load_areas, make_user


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture
def areas(db: None) -> None:
    load_areas()


@pytest.fixture
def jumantik(db: None) -> User:
    return make_user(RoleChoices.JUMANTIK, username="jumantik-1", first_name="Sri")


@pytest.fixture
def other_jumantik(db: None) -> User:
    return make_user(RoleChoices.JUMANTIK, username="jumantik-2", first_name="Budi")


def inspection_submission(
    *,
    containers: list[tuple[str, str, int, int]] | None = None,
    at: datetime | None = None,
    lat: float = MARGAHAYU[0],
    lon: float = MARGAHAYU[1],
    **overrides: Any,
) -> InspectionSubmission:
    """A house in Margahayu, RW 3 RT 5, inspected a minute ago; `containers` as (type, place, inspected, positive)."""
    values: dict[str, Any] = {
        "building_kind": "house",
        "address": "Jl. Melati No. 7",
        "rw": 3,
        "rt": 5,
        "latitude": lat,
        "longitude": lon,
        "inspected_at": at or clock.now() - timedelta(minutes=1),
        "containers": [ContainerEntry(*entry) for entry in (containers or [("bath_tub", "indoor", 1, 0)])],
    }
    values.update(overrides)
    return InspectionSubmission(**values)
