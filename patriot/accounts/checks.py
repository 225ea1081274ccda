"""Production mode refuses to start while demo accounts are active (patriot.E011: the published demo password, the
demo citizen) or an account uses the published demo authenticator secret (patriot.E012). Registered with
core.registry.register_production_data_check, run by core.checks (which reports a database it cannot read)."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.core.checks import CheckMessage, Error
from django.db import connections

from patriot.accounts import totp
from patriot.accounts.models import TotpDevice, User
from patriot.accounts.services import DEMO_PASSWORD, DEMO_PASSWORD_SALT

DEMO_CITIZEN_DOMAIN = "@demo.patriot.invalid"


def demo_account_problems(alias: str) -> list[CheckMessage]:
    if User._meta.db_table not in connections[alias].introspection.table_names():
        return []  # a database not migrated yet holds no accounts
    # Demo accounts share one fixed salt: only those few rows need the (slow) password check.
    salt = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT).split("$")[-2]
    candidates = User.objects.using(alias).filter(is_active=True, password__contains=f"${salt}$")
    accounts = [user.username for user in candidates if check_password(DEMO_PASSWORD, user.password)]
    accounts += (
        User.objects.using(alias)
        .filter(is_active=True, username__iendswith=DEMO_CITIZEN_DOMAIN)
        .values_list("username", flat=True)
    )
    demo_devices = [
        device.user.username
        for device in TotpDevice.objects.using(alias).select_related("user").filter(confirmed_at__isnull=False)
        if _is_demo_secret(device)
    ]
    problems: list[CheckMessage] = []
    if accounts:
        problems.append(
            Error(
                f"Ada akun demo aktif: {', '.join(sorted(set(accounts)))}.",
                hint="Nonaktifkan atau hapus akun itu, atau ganti kata sandinya.",
                id="patriot.E011",
            )
        )
    if demo_devices:
        problems.append(
            Error(
                f"Akun memakai rahasia autentikator demo yang diumumkan: {', '.join(sorted(demo_devices))}.",
                hint="Atur ulang faktor kedua akun itu di admin (Pengguna → atur ulang); mereka mendaftar lagi.",
                id="patriot.E012",
            )
        )
    return problems


def _is_demo_secret(device: TotpDevice) -> bool:
    from cryptography.fernet import InvalidToken

    try:
        return totp.secret_of(device) == totp.DEMO_SECRET
    except InvalidToken:  # sealed under a key no longer configured: unreadable, so no usable demo secret
        return False
