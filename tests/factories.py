"""Test data builders: plain functions that create rows the way the application does, through the services."""

from __future__ import annotations

import contextlib
import io
import itertools
import random
from collections.abc import Iterator
from typing import Any

from django.db import connection
from PIL import Image, TiffImagePlugin

from patriot.accounts import totp
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, TotpDevice, User
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, CategoryGroupChoices, ChannelChoices, RejectionReasonChoices
from patriot.cases.models import Case, Category
from patriot.events.models import OutboxEvent
from patriot.geo.lookup import reset_area_index
from patriot.geo.models import District, Village
from patriot.geo.services import load_reference_areas

State = CaseStateChoices

# Kelurahan centroids from patriot/geo/data/kelurahan.csv (each lies inside its own demo polygon).
MARGAHAYU = (-6.251143, 107.004300)  # Bekasi Timur
BEKASI_JAYA = (-6.239099, 107.009506)  # Bekasi Timur, next to Margahayu
BINTARA = (-6.226841, 106.961992)  # Bekasi Barat
# Monas, central Jakarta: well outside Kota Bekasi.
OUTSIDE_CITY = (-6.175392, 106.827153)

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


# --- areas ----------------------------------------------------------------------------------

_area_rows: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None


def load_areas() -> None:
    """The 12 kecamatan and 56 kelurahan of load_reference_areas(), in the current test's database.

    The first call runs load_reference_areas() itself; later calls replay the rows it wrote (same ids and
    polygons) in two inserts, which keeps a test of a few milliseconds from paying for the geometry each time.
    """
    global _area_rows
    if _area_rows is None or District.objects.exists() or Village.objects.exists():
        load_reference_areas()
        _area_rows = (list(District.objects.values()), list(Village.objects.values()))
    else:
        districts, villages = _area_rows
        District.objects.bulk_create([District(**row) for row in districts])
        Village.objects.bulk_create([Village(**row) for row in villages])
    # The lookup index is per process; another test may have built it from other rows.
    reset_area_index()


# --- people and organisations ---------------------------------------------------------------


@contextlib.contextmanager
def outbox_down() -> Iterator[None]:
    """The outbox table refuses every row, in the database (a trigger): whichever path writes an event, it fails
    there with a DatabaseError saying "outbox down", as a broken outbox would, without replacing any code."""
    table = connection.ops.quote_name(OutboxEvent._meta.db_table)
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION patriot_test_outbox_down() RETURNS trigger LANGUAGE plpgsql"
                " AS $$ BEGIN RAISE EXCEPTION 'outbox down'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER patriot_test_outbox_down BEFORE INSERT ON {table}"
                " FOR EACH ROW EXECUTE FUNCTION patriot_test_outbox_down()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER patriot_test_outbox_down BEFORE INSERT ON {table}"
                " BEGIN SELECT RAISE(ABORT, 'outbox down'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS patriot_test_outbox_down{f' ON {table}' if postgresql else ''}")
            if postgresql:
                cursor.execute("DROP FUNCTION IF EXISTS patriot_test_outbox_down()")


def make_agency(code: str | None = None, **fields: Any) -> Agency:
    code = code or f"opd-{_next()}"
    fields.setdefault("short_name", code.upper()[:60])
    fields.setdefault("name", f"Dinas {code}")
    return Agency.objects.create(code=code, **fields)


def make_team(agency: Agency, code: str | None = None, **fields: Any) -> ResponseTeam:
    code = code or f"urc-{agency.code}-{_next()}"
    fields.setdefault("name", f"URC {code}")
    return ResponseTeam.objects.create(agency=agency, code=code, **fields)


def make_user(
    role: str = RoleChoices.CITIZEN,
    *,
    agency: Agency | None = None,
    team: ResponseTeam | None = None,
    username: str | None = None,
    **fields: Any,
) -> User:
    if team is not None and agency is None:
        agency = team.agency
    user = User(username=username or f"{role}-{_next()}", role=role, agency=agency, team=team, **fields)
    # No password hashing: Argon2 would dominate the test run.
    user.set_unusable_password()
    user.save()
    return user


def give_authenticator(user: User) -> str:
    """An active authenticator app for `user` (no code used yet); returns its secret for totp.code_for."""
    device = totp.start_enrolment(user)
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=device.created_at)
    return totp.secret_of(device)


def make_category(
    code: str | None = None,
    *,
    default_agency: Agency | None = None,
    verify_hours: int | None = None,
    followup_hours: int | None = None,
    attributes: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Category:
    code = code or f"kategori-{_next()}"
    fields.setdefault("name", f"Kategori {code}")
    fields.setdefault("name_en", f"Category {code}")
    fields.setdefault("group", CategoryGroupChoices.INFRASTRUCTURE)
    return Category.objects.create(
        code=code,
        default_agency=default_agency,
        verify_hours=verify_hours,
        followup_hours=followup_hours,
        attributes=attributes or [],
        **fields,
    )


# --- cases ----------------------------------------------------------------------------------


def submission(
    category: Category | None = None, *, lat: float = MARGAHAYU[0], lon: float = MARGAHAYU[1], **overrides: Any
) -> services.CaseSubmission:
    values: dict[str, Any] = {
        "channel": ChannelChoices.POT,
        "category": category or make_category(),
        "description": "Jalan berlubang cukup dalam di depan sekolah, membahayakan pengendara motor.",
        "latitude": lat,
        "longitude": lon,
    }
    values.update(overrides)
    return services.CaseSubmission(**values)


def make_case(
    category: Category | None = None,
    *,
    lat: float = MARGAHAYU[0],
    lon: float = MARGAHAYU[1],
    photos: list[tuple[str, io.BytesIO]] | None = None,
    by: User | None = None,
    idempotency_key: str | None = None,
    **overrides: Any,
) -> Case:
    """A submitted case created through services.create_case; `overrides` are CaseSubmission fields."""
    result = services.create_case(
        submission(category, lat=lat, lon=lon, **overrides),
        photos=photos or [],
        by=by,
        idempotency_key=idempotency_key,
    )
    return result.case


def photo(name: str = "foto.jpg", **kwargs: Any) -> tuple[str, io.BytesIO]:
    """One (name, stream) pair as the services take them."""
    return name, io.BytesIO(jpeg_bytes(**kwargs))


def _rational(value: int) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(value, 1)


def _gps_exif(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    if orientation is not None:
        exif[0x0112] = orientation
    gps = {
        1: "S",  # GPSLatitudeRef
        2: (_rational(6), _rational(15), _rational(4)),  # GPSLatitude 6° 15' 4"
        3: "E",  # GPSLongitudeRef
        4: (_rational(107), _rational(0), _rational(15)),  # GPSLongitude
    }
    exif[0x8825] = gps  # GPSInfo IFD
    return exif


def jpeg_bytes(
    width: int = 64, height: int = 48, exif_gps: bool = True, *, noise: bool = False, orientation: int | None = None
) -> bytes:
    """A real JPEG; with `exif_gps` it carries camera EXIF including GPS coordinates (a home address, say)."""
    if noise:
        rng = random.Random(width * height)
        image = Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))
    else:
        image = Image.new("RGB", (width, height), (200, 60, 30))
    output = io.BytesIO()
    if exif_gps or orientation is not None:
        exif = _gps_exif(orientation) if exif_gps else Image.Exif()
        if orientation is not None:
            exif[0x0112] = orientation
        image.save(output, format="JPEG", exif=exif.tobytes())
    else:
        image.save(output, format="JPEG")
    return output.getvalue()


def png_bytes(width: int = 32, height: int = 32, *, alpha: bool = True) -> bytes:
    """A PNG; with `alpha` its left half is fully transparent."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), (0, 120, 0, 255) if alpha else (0, 120, 0))
    if alpha:
        for x in range(width // 2):
            for y in range(height):
                image.putpixel((x, y), (0, 0, 0, 0))
    output = io.BytesIO()
    image.save(output, format="PNG")
    return output.getvalue()


def webp_bytes(width: int = 32, height: int = 24) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 200)).save(output, format="WEBP")
    return output.getvalue()


# --- walking the workflow -------------------------------------------------------------------

# The path from submitted to each state (DESIGN.md's workflow); "duplicate" is a merge into an older case.
_PATHS: dict[str, list[str]] = {
    State.SUBMITTED: [],
    State.VERIFIED: ["verify"],
    State.REJECTED: ["reject"],
    State.DUPLICATE: ["merge"],
    State.DISPATCHED: ["verify", "dispatch"],
    State.ASSIGNED: ["verify", "dispatch", "assign"],
    State.IN_PROGRESS: ["verify", "dispatch", "assign", "start"],
    State.RESOLVED: ["verify", "dispatch", "assign", "start", "resolve"],
    State.CLOSED: ["verify", "dispatch", "assign", "start", "resolve", "confirm"],
}


def staff(role: str, *, agency: Agency | None = None, team: ResponseTeam | None = None) -> User:
    """A member of staff in `role` (one per role, agency and team within a test)."""
    username = "-".join(str(part) for part in (role, agency.code if agency else "", team.code if team else "") if part)
    existing = User.objects.filter(username=username).first()
    return existing or make_user(role, agency=agency, team=team, username=username)


def case_through(
    state: str,
    *,
    case: Case | None = None,
    category: Category | None = None,
    agency: Agency | None = None,
    team: ResponseTeam | None = None,
    **case_fields: Any,
) -> Case:
    """A case walked along the workflow to `state` through the services, one action at a time.

    A duplicate is merged into an older case created just before it (reachable as `duplicate_of`).
    """
    if state not in _PATHS:
        raise ValueError(f"unknown state {state!r}")
    if state == State.DUPLICATE and case is not None:
        raise ValueError("a duplicate needs an older case to be merged into: let case_through create both")
    original: Case | None = None
    if case is None:
        if state == State.DUPLICATE:
            original = make_case(category, **case_fields)
            category = original.category
        case = make_case(category, **case_fields)
    poc = staff(RoleChoices.POC_OPERATOR)
    for action in _PATHS[state]:
        if action == "verify":
            services.verify_case(case, by=poc)
        elif action == "reject":
            services.reject_case(case, by=poc, reason=RejectionReasonChoices.SPAM)
        elif action == "merge":
            assert original is not None
            services.merge_case(case, into=original, by=poc)
        elif action == "dispatch":
            agency = agency or case.category.default_agency or make_agency()
            services.dispatch_case(case, by=poc, agency=agency)
        elif action == "assign":
            assert case.agency is not None
            team = team if team is not None and team.agency_id == case.agency_id else make_team(case.agency)
            services.assign_case(case, by=staff(RoleChoices.AGENCY_OFFICER, agency=case.agency), team=team)
        elif action == "start":
            services.start_case(case, by=staff(RoleChoices.URC_OFFICER, team=case.team))
        elif action == "resolve":
            services.resolve_case(
                case,
                by=staff(RoleChoices.URC_OFFICER, team=case.team),
                note="Lubang sudah ditambal.",
                proof_photos=[photo("bukti.jpg", exif_gps=False)],
            )
        elif action == "confirm":
            services.confirm_case(case, by=case.reporter)
    assert case.state == state
    return case
