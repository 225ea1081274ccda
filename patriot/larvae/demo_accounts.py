"""Si Tik Tik's demo people for `patriot seed --demo`: the `jumantik` account gets an RT, and a jumantik coordinator
(`koordinator`) and a puskesmas supervisor (`puskesmas`) are created for the same kelurahan. get_or_create by
username, so this step and the demo history (larvae.demo) may run in either order and again."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.accounts.seed import account_table
from patriot.accounts.services import DEMO_PASSWORD, DEMO_PASSWORD_SALT, DemoAccount
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.models import Village
from patriot.larvae.models import FieldAssignment, RtTarget

DEMO_RW = 2
DEMO_RT = 1
DEMO_RT_HOUSES = 30
# Used when no puskesmas with a kelurahan has been loaded (the referrals app's facilities).
FALLBACK_VILLAGE = "Margahayu"


def _puskesmas_and_village() -> tuple[OrganisationUnit, Village]:
    unit = (
        OrganisationUnit.objects.filter(kind=UnitKindChoices.PUSKESMAS, village__isnull=False, is_active=True)
        .select_related("village")
        .order_by("code")
        .first()
    )
    if unit is not None and unit.village is not None:
        return unit, unit.village
    village = Village.objects.select_related("district").filter(name=FALLBACK_VILLAGE).first()
    if village is None:
        village = Village.objects.select_related("district").order_by("code").first()
    if village is None:
        raise ImproperlyConfigured("Load the areas before the demo accounts.")
    unit, _created = OrganisationUnit.objects.get_or_create(
        kind=UnitKindChoices.PUSKESMAS,
        code=f"puskesmas-demo-{village.code.replace('.', '-')}",
        defaults={"name": f"Puskesmas {village.name} (demo)", "village": village, "district": village.district},
    )
    return unit, village


def _demo_user(username: str, role: str, first_name: str, last_name: str, unit: OrganisationUnit | None) -> User:
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "role": role,
            "first_name": first_name,
            "last_name": last_name,
            "password": make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT),
        },
    )
    user.role, user.unit, user.is_active = role, unit, True
    user.save(update_fields=["role", "unit", "is_active"])
    return user


def seed_field_accounts() -> SeedReport:
    if not settings.PATRIOT_DEMO:
        raise ImproperlyConfigured("Demo accounts are only created when PATRIOT_DEMO is on.")
    puskesmas, village = _puskesmas_and_village()
    office = OrganisationUnit.objects.filter(kind=UnitKindChoices.KELURAHAN_OFFICE, village=village).first()
    jumantik = User.objects.filter(username="jumantik").first()
    if jumantik is None:
        jumantik = _demo_user("jumantik", RoleChoices.JUMANTIK, "Nur", "Aini", office)
    elif jumantik.unit_id is None and office is not None:
        jumantik.unit = office
        jumantik.save(update_fields=["unit"])
    FieldAssignment.objects.update_or_create(user=jumantik, defaults={"village": village, "rw": DEMO_RW, "rt": DEMO_RT})
    coordinator = _demo_user("koordinator", RoleChoices.JUMANTIK_COORDINATOR, "Wati", "Susanti", office)
    FieldAssignment.objects.update_or_create(user=coordinator, defaults={"village": village, "rw": None, "rt": None})
    supervisor = _demo_user("puskesmas", RoleChoices.HEALTH_OFFICER, "Ratna", "Dewi", puskesmas)
    RtTarget.objects.get_or_create(
        village=village, rw=DEMO_RW, rt=DEMO_RT, defaults={"houses": DEMO_RT_HOUSES, "updated_at": clock.now()}
    )
    accounts = [
        DemoAccount(
            username=user.username,
            role=user.role,
            role_label=RoleChoices.label(user.role),
            agency=where,
            team="",
            password=DEMO_PASSWORD,
            totp_secret="",
        )
        for user, where in (
            (jumantik, f"RT {DEMO_RT:03d}/RW {DEMO_RW:02d} {village.name}"),
            (coordinator, f"Kelurahan {village.name}"),
            (supervisor, puskesmas.name),
        )
    ]
    return SeedReport(
        lines=[f"Jumantik, koordinator dan puskesmas demo: kelurahan {village.name}"],
        closing=account_table(accounts)[1:],
    )


# After the accounts (100) and the reference data (facilities 26), before the demo history (200).
SEED_STEP = SeedStep("larvae-field-accounts", seed_field_accounts, 105, demo=True)
