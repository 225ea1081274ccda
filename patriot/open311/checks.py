"""Production mode refuses to start while the published Open311 demo key is valid (patriot.E013; registered with
core.registry.register_production_data_check, run by core.checks)."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error
from django.db import connections

from patriot.accounts.models import hash_token
from patriot.open311.demo import DEMO_KEY
from patriot.open311.models import ApiKey


def demo_key_problems(alias: str) -> list[CheckMessage]:
    if ApiKey._meta.db_table not in connections[alias].introspection.table_names():
        return []  # not migrated yet: no keys
    if not ApiKey.objects.using(alias).filter(key_hash=hash_token(DEMO_KEY), revoked_at__isnull=True).exists():
        return []
    return [
        Error(
            "Kunci Open311 demo yang diumumkan masih berlaku.",
            hint="Cabut dengan: patriot open311-key revoke o311_dem",
            id="patriot.E013",
        )
    ]
