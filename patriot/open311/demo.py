"""The demo's Open311 key: published like the demo password, so an outside client can file requests against `make run`."""

from __future__ import annotations

from django.conf import settings

from patriot.accounts.models import hash_token
from patriot.core.registry import SeedReport, SeedStep
from patriot.open311.models import ApiKey

DEMO_KEY_NAME = "demo"
DEMO_KEY = "o311_demo_kota_bekasi"


def create_demo_key() -> str:
    """Create (or restore, if revoked) the demo application's key and return its text. Demo mode only."""
    if not settings.PATRIOT_DEMO:
        raise RuntimeError("The published Open311 demo key exists only with PATRIOT_DEMO=1.")
    ApiKey.objects.update_or_create(
        name=DEMO_KEY_NAME,
        defaults={"prefix": DEMO_KEY[:8], "key_hash": hash_token(DEMO_KEY), "revoked_at": None},
    )
    return DEMO_KEY


def seed_demo_key() -> SeedReport:
    return SeedReport(closing=["", f"Kunci Open311 demo (api_key): {create_demo_key()}"])


SEED_STEP = SeedStep("demo-open311-key", seed_demo_key, 110, demo=True)
