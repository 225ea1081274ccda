"""Fixtures for the call-centre tests: areas, a throw-away MEDIA_ROOT, an operator and a category."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.models import Category
from tests.factories import load_areas, make_agency, make_category, make_user

HOOK_SECRET = "rahasia-sistem-telepon-uji"


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
def operator(db: None) -> User:
    return make_user(RoleChoices.CALLCENTRE_OPERATOR, username="operator-1", first_name="Dewi", last_name="Lestari")


@pytest.fixture
def other_operator(db: None) -> User:
    return make_user(RoleChoices.CALLCENTRE_OPERATOR, username="operator-2", first_name="Rudi")


@pytest.fixture
def category(db: None) -> Category:
    return make_category("jalan-rusak", name="Jalan rusak", default_agency=make_agency("dbmsda", short_name="DBMSDA"))


@pytest.fixture
def hook_secret(settings: Settings) -> str:
    settings.PATRIOT_CALLCENTRE_HOOK_SECRET = HOOK_SECRET
    return HOOK_SECRET
