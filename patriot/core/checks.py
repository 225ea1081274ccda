"""Production mode refuses to start unsafely: debug, demo mode, demo accounts or secrets, a weak key, any host.

The checks run as a Django system check (so `patriot check --deploy` and every management command report them) and
again when the ASGI application is imported and when `patriot worker` starts, with the database (demo accounts are
rows), so a web or worker process of a misconfigured installation exits instead of serving.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections

# Django's own bar for a secret key (security.W009): long and varied enough not to be guessed.
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
# The call centre's hook secret is a bearer token on the internet: at least as long as a 128-bit random string.
HOOK_SECRET_MIN_LENGTH = 32
DEMO_HOOK_SECRET = "demo-hook-1500444"  # noqa: S105 (the published demo value, refused below)
HINT = "Lihat deploy/README.md dan deploy/patriot.env.example."


@register(Tags.security)
def check_production_safety(
    app_configs: Sequence[Any] | None, databases: Iterable[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Errors for every unsafe setting in production mode; with `databases`, also demo accounts and keys there."""
    if not settings.PATRIOT_PRODUCTION:
        return []
    problems = _settings_problems()
    for alias in databases or ():
        problems += _demo_data_problems(alias)
    return problems


def refuse_unsafe_start() -> None:
    """Raise ImproperlyConfigured, naming each problem, when production mode is on and anything is unsafe."""
    if not settings.PATRIOT_PRODUCTION:
        return
    try:
        problems = check_production_safety(None, databases=["default"])
    finally:
        connections["default"].close()  # back to the pool: requests run on other threads
    if problems:
        lines = "\n".join(f"- [{problem.id}] {problem.msg} {problem.hint or ''}".rstrip() for problem in problems)
        raise ImproperlyConfigured(f"Patriot menolak berjalan dalam mode produksi (PATRIOT_PRODUCTION=1):\n{lines}")


def _settings_problems() -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.DEBUG:
        problems.append(Error("PATRIOT_DEBUG menyala: halaman debug membuka isi server.", hint=HINT, id="patriot.E001"))
    if settings.PATRIOT_DEMO:
        problems.append(
            Error(
                "PATRIOT_DEMO menyala: mode demo memakai akun dan rahasia yang diumumkan.", hint=HINT, id="patriot.E002"
            )
        )
    # The key that settings generate into var/ when none is given differs per machine and per fresh var/.
    key = os.environ.get("PATRIOT_SECRET_KEY", "")
    if not key:
        problems.append(Error("PATRIOT_SECRET_KEY tidak diatur.", hint=_KEY_HINT, id="patriot.E003"))
    elif (
        len(key) < SECRET_KEY_MIN_LENGTH
        or len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
        or key.startswith("django-insecure-")
    ):
        problems.append(
            Error(
                f"PATRIOT_SECRET_KEY lemah: minimal {SECRET_KEY_MIN_LENGTH} karakter acak.",
                hint=_KEY_HINT,
                id="patriot.E004",
            )
        )
    if "*" in settings.ALLOWED_HOSTS:
        problems.append(
            Error(
                "PATRIOT_ALLOWED_HOSTS berisi '*': setiap nama host diterima (tautan di email bisa dipalsukan).",
                hint="Tulis nama host situs, misalnya patriot.bekasikota.go.id.",
                id="patriot.E005",
            )
        )
    hook_secret = settings.PATRIOT_CALLCENTRE_HOOK_SECRET
    if hook_secret == DEMO_HOOK_SECRET:
        problems.append(
            Error("PATRIOT_CALLCENTRE_HOOK_SECRET memakai rahasia demo.", hint=_HOOK_HINT, id="patriot.E006")
        )
    elif hook_secret and len(hook_secret) < HOOK_SECRET_MIN_LENGTH:
        problems.append(
            Error(
                f"PATRIOT_CALLCENTRE_HOOK_SECRET lemah: minimal {HOOK_SECRET_MIN_LENGTH} karakter acak.",
                hint=_HOOK_HINT,
                id="patriot.E007",
            )
        )
    return problems


_KEY_HINT = "Buat dengan: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
_HOOK_HINT = "Buat dengan: python3 -c 'import secrets; print(secrets.token_urlsafe(32))', atau kosongkan."


def _demo_data_problems(alias: str) -> list[CheckMessage]:
    """What the apps' registered checks find in the database (core.registry.register_production_data_check: the
    demo accounts and authenticator secret, the Open311 demo key); a database that cannot be read is an error."""
    from patriot.core import registry

    try:
        return [problem for check in registry.production_data_checks() for problem in check(alias)]
    except DatabaseError as error:
        return [
            Error(
                f"Basis data '{alias}' tidak bisa diperiksa untuk akun demo: {error}",
                hint="Pastikan PATRIOT_DATABASE_URL benar dan basis data berjalan; proses dimulai ulang sesudahnya.",
                id="patriot.E010",
            )
        ]
