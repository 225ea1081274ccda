"""Fixtures for the citizen account tests: areas, a throw-away MEDIA_ROOT, citizens verified or not."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.citizens.models import CitizenProfile
from patriot.core import clock
from tests.factories import load_areas

PASSWORD = "Sorot-uji-2026!"


@pytest.fixture(autouse=True)
def _media_root(settings: Settings, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(autouse=True)
def _logging_sms(settings: Settings) -> None:
    # The demo's gateway: messages, codes included, go to the log, where these tests read them.
    settings.PATRIOT_SMS_GATEWAY = "log"
    settings.PATRIOT_SMS_LOG_MESSAGES = True
    settings.PATRIOT_SITE_URL = "https://patriot.example"


@pytest.fixture
def areas(db: None) -> None:
    load_areas()


def make_citizen(
    username: str = "siti@example.org", *, phone: str = "+6281234567890", verified: bool = True, **fields: object
) -> User:
    user = User(username=username, email=username, first_name="Siti Aminah", phone=phone, role=RoleChoices.CITIZEN)
    for name, value in fields.items():
        setattr(user, name, value)
    user.set_password(PASSWORD)
    user.save()
    now = clock.now()
    CitizenProfile.objects.create(
        user=user,
        created_at=now,
        email_verified_at=now if verified else None,
        phone_verified_at=now if verified else None,
    )
    return user


@pytest.fixture
def citizen(db: None) -> User:
    return make_citizen()


@pytest.fixture
def unverified_citizen(db: None) -> User:
    return make_citizen("budi@example.org", phone="+6281298765432", verified=False)
