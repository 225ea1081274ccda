"""Account changes: loading agencies, URC teams and area offices, demo accounts, and API token issue, use and
revocation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from patriot.accounts import totp
from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import (
    Agency,
    ApiToken,
    OrganisationUnit,
    ResponseTeam,
    User,
    check_role_scope,
    hash_token,
)
from patriot.core import inserts
from patriot.geo.models import District, Village

DATA_DIR = Path(__file__).resolve().parent / "data"

# Shown in the seed output and the README; demo accounts exist only when PATRIOT_DEMO is on.
DEMO_PASSWORD_SALT = "patriotdemosaltkotabekasi"  # noqa: S105 (25 characters: ≥ 128 bits for Django)
DEMO_PASSWORD = "patriot-demo-2026"  # noqa: S105

# Writing last_used_at on every request would turn each API read into a write; a minute is precise enough.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)


def _read_json(name: str) -> list[dict[str, Any]]:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = json.load(fh)
    return rows


@transaction.atomic
def load_agencies() -> tuple[int, int]:
    """Create the agencies and URC teams of data/agencies.json that are missing; returns (agencies, teams) created.

    Rows that already exist are left as they are, so changes made in the admin survive re-seeding.
    """
    agencies_created = teams_created = 0
    for row in _read_json("agencies.json"):
        agency, created = Agency.objects.get_or_create(
            code=row["code"],
            defaults={"short_name": row["short_name"], "name": row["name"], "description": row["description"]},
        )
        agencies_created += created
        for team_row in row["teams"]:
            _team, created = ResponseTeam.objects.get_or_create(
                code=team_row["code"], defaults={"agency": agency, "name": team_row["name"]}
            )
            teams_created += created
    return agencies_created, teams_created


@transaction.atomic
def load_area_offices() -> int:
    """Create the missing kecamatan and kelurahan offices of the loaded areas (a kelurahan office under its
    kecamatan office); returns how many were created. Existing offices are left as the admin edited them."""
    created = 0
    for district in District.objects.order_by("code"):
        office, new = OrganisationUnit.objects.get_or_create(
            kind=UnitKindChoices.KECAMATAN_OFFICE,
            code=district.code.replace(".", "-"),
            defaults={"name": f"Kecamatan {district.name}", "district": district},
        )
        created += new
        for village in Village.objects.filter(district=district).order_by("code"):
            _office, new = OrganisationUnit.objects.get_or_create(
                kind=UnitKindChoices.KELURAHAN_OFFICE,
                code=village.code.replace(".", "-"),
                defaults={
                    "name": f"Kelurahan {village.name}",
                    "parent": office,
                    "district": district,
                    "village": village,
                },
            )
            created += new
    return created


@dataclass(frozen=True)
class DemoAccount:
    """One demo login as printed for the person trying Patriot out."""

    username: str
    role: str
    role_label: str
    agency: str
    team: str
    password: str
    totp_secret: str  # the published demo secret for roles that sign in with a second factor, else ""


@transaction.atomic
def create_demo_users() -> list[DemoAccount]:
    """Create or reset one demo account per role (data/demo_users.json) with DEMO_PASSWORD.

    Accounts of the roles that need a second factor get an authenticator with the published totp.DEMO_SECRET.

    Existing demo accounts get their role, agency, team and password back on every run, so the
    printed table is always true. Agencies and teams must be loaded first. Refused outside demo mode:
    a known password must never reach a real deployment.
    """
    if not settings.PATRIOT_DEMO:
        raise ImproperlyConfigured("Demo accounts are only created when PATRIOT_DEMO is on.")
    # One hash for every account (Argon2 is slow on purpose, and this password is public anyway); a fixed
    # salt gives the same hash on every run, so re-seeding does not log the demo users out. The salt is long
    # enough for Django's 128-bit salt check: a shorter one is re-hashed at the first sign-in, which changes
    # the hash and signs out that user's other sessions.
    password_hash = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
    accounts = []
    for row in _read_json("demo_users.json"):
        agency = Agency.objects.get(code=row["agency"]) if "agency" in row else None
        team = ResponseTeam.objects.get(code=row["team"], agency=agency) if "team" in row else None
        is_admin = row["role"] == RoleChoices.SYSTEM_ADMIN
        user, _created = User.objects.update_or_create(
            username=row["username"],
            defaults={
                "role": row["role"],
                "agency": agency,
                "team": team,
                "first_name": row["first_name"],
                "last_name": row["last_name"],
                "phone": row.get("phone", ""),
                "email": row.get("email", ""),
                "is_active": True,
                "is_staff": is_admin,
                "is_superuser": is_admin,
                "password": password_hash,
            },
        )
        try:
            check_role_scope(user.role, user.unit)
        except ValidationError as error:
            raise ImproperlyConfigured(f"demo_users.json, {user.username}: {error.messages[0]}") from None
        if totp.is_required(user):
            totp.set_demo_device(user)
        accounts.append(
            DemoAccount(
                username=user.username,
                role=user.role,
                role_label=RoleChoices.label(user.role),
                agency=agency.short_name if agency else "",
                team=team.name if team else "",
                password=DEMO_PASSWORD,
                totp_secret=totp.DEMO_SECRET if totp.is_required(user) else "",
            )
        )
    return accounts


def create_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns the row and the secret, which is not stored and cannot be shown again."""
    if not user.is_active:
        raise ValueError(f"User {user.username} is not active.")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("A token needs a name of 1 to 100 characters.")
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[:8], token_hash=hash_token(secret))
    return token, secret


def revoke_api_token(token: ApiToken) -> bool:
    """Revoke the token now; returns False if it was already revoked."""
    now = timezone.now()
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now) == 1
    if revoked:
        token.revoked_at = now
    return revoked


_token_statements: dict[str, str] = {}
# vendor -> for each of the user's columns that needs one, its position, its column expression and the converters the
# ORM applies to it when reading (e.g. SQLite's datetimes made aware).
_token_converters: dict[str, list[tuple[int, Any, list[Any]]]] = {}


def _user_converters() -> list[tuple[int, Any, list[Any]]]:
    vendor = connection.vendor
    if vendor not in _token_converters:
        found = []
        for position, field in enumerate(User._meta.concrete_fields):
            column = field.get_col(User._meta.db_table)
            converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)  # type: ignore[attr-defined]  # Field.get_db_converters, absent from django-stubs
            if converters:
                found.append((position, column, converters))
        _token_converters[vendor] = found
    return _token_converters[vendor]


def _token_statement() -> str:
    """The bearer-token lookup, written once per database vendor: the active user's columns (as User.objects would
    read them) with the token's id and whether its last use is older than the resolution, for a token that is not
    revoked. The ORM's select_related query said the same but was compiled afresh for every API request, about a
    third of an inspection POST's Python time; no row is cached, so a revocation or deactivation counts at once."""
    vendor = connection.vendor
    if vendor not in _token_statements:
        quote = connection.ops.quote_name
        token, user = ApiToken._meta, User._meta
        columns = ", ".join(f"u.{quote(field.column)}" for field in user.concrete_fields)
        # Table and column names from the models' meta, quoted; the values are parameters.
        _token_statements[vendor] = (
            f"SELECT {columns}, t.{quote(token.pk.column)} AS api_token_id, "  # noqa: S608
            f"CASE WHEN t.{quote('last_used_at')} IS NULL OR t.{quote('last_used_at')} <= %s THEN 1 ELSE 0 END "
            f"AS api_token_stale FROM {quote(token.db_table)} t "
            f"JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = t.{quote(token.get_field('user').column)} "
            f"WHERE t.{quote('token_hash')} = %s AND t.{quote('revoked_at')} IS NULL AND u.{quote('is_active')} = %s"
        )
    return _token_statements[vendor]


def authenticate_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None for an unknown, revoked or inactive one."""
    if not raw:
        return None
    now = timezone.now()
    stale_before = connection.ops.adapt_datetimefield_value(now - TOKEN_LAST_USED_RESOLUTION)
    # The row is made into a User as the ORM does (Model.from_db, with the concrete fields in order), without
    # RawQuerySet's per-call mapping of columns to fields (~a tenth of an inspection POST's Python time).
    # Bound on the server and prepared once per pooled connection on PostgreSQL (core/inserts.prepared_cursor): neither
    # quoted into the SQL in Python nor parsed and planned by PostgreSQL on every API request.
    with inserts.prepared_cursor() as cursor:
        cursor.execute(_token_statement(), [stale_before, hash_token(raw), True])
        row = cursor.fetchone()
    if row is None:
        return None
    *values, token_id, stale = row
    for position, column, converters in _user_converters():
        for convert in converters:
            values[position] = convert(values[position], column, connection)
    user = User.from_db(connection.alias, [f.attname for f in User._meta.concrete_fields], values)
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user
