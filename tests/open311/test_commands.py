"""`patriot open311-key create|list|revoke` and the demo's published key."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from patriot.accounts.models import hash_token
from patriot.open311.demo import DEMO_KEY, create_demo_key
from patriot.open311.models import ApiKey
from patriot.open311.services import authenticate_api_key

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("open311-key", *args, stdout=out)
    return out.getvalue()


def test_create_shows_the_key_once_and_stores_only_its_hash() -> None:
    output = _run("create", "Aplikasi Warga Bekasi")
    secret = output.strip().splitlines()[-1]
    assert secret.startswith("o311_")
    key = ApiKey.objects.get(name="Aplikasi Warga Bekasi")
    assert key.key_hash == hash_token(secret) and secret not in key.key_hash
    assert authenticate_api_key(secret) == key
    assert authenticate_api_key(secret + "x") is None
    with pytest.raises(CommandError):
        _run("create", "Aplikasi Warga Bekasi")
    with pytest.raises(CommandError):
        _run("create", "  ")

    listing = _run("list")
    assert "Aplikasi Warga Bekasi" in listing and key.prefix in listing and secret not in listing

    assert "dicabut" in _run("revoke", key.prefix)
    assert authenticate_api_key(secret) is None
    assert "dicabut" in _run("list")
    with pytest.raises(CommandError):
        _run("revoke", key.prefix)


def test_demo_key_is_published_and_restored(settings: Any) -> None:
    settings.PATRIOT_DEMO = False
    with pytest.raises(RuntimeError):
        create_demo_key()
    settings.PATRIOT_DEMO = True
    assert create_demo_key() == DEMO_KEY
    key = authenticate_api_key(DEMO_KEY)
    assert key is not None
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=key.created_at)
    assert authenticate_api_key(DEMO_KEY) is None
    assert create_demo_key() == DEMO_KEY  # idempotent, and a revoked demo key is restored
    assert authenticate_api_key(DEMO_KEY) == key and ApiKey.objects.count() == 1
