"""The only code that changes referrals' data: bed figures (current row and history in one transaction) and the
facility list loaded by `patriot seed`."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.core.errors import Forbidden, InvalidInput
from patriot.events.services import record_event
from patriot.geo.lookup import place
from patriot.referrals.choices import BedTypeChoices, ChangeSourceChoices, ServiceChoices
from patriot.referrals.events import CHANGED, SUBJECT_TYPE
from patriot.referrals.models import BedChange, BedCount, Facility

FACILITIES_FILE = Path(__file__).parents[1] / "data" / "facilities.csv"
# The figures one tap may change.
TAP_FIELDS = ("total", "occupied", "reserved", "queue")


@dataclass(frozen=True)
class BedFigures:
    total: int
    occupied: int = 0
    reserved: int = 0
    queue: int = 0

    @property
    def free(self) -> int:
        return max(0, self.total - self.occupied - self.reserved)


def validate_figures(figures: BedFigures) -> None:
    """Refuse figures no ward can have: negative numbers, more beds in use or prepared than exist."""
    for name in TAP_FIELDS:
        if getattr(figures, name) < 0:
            raise InvalidInput(_("Angka tidak boleh negatif."), code="negative", field=name)
    if figures.occupied > figures.total:
        raise InvalidInput(
            _("Tempat tidur terpakai (%(occupied)s) tidak boleh melebihi jumlahnya (%(total)s).")
            % {"occupied": figures.occupied, "total": figures.total},
            code="occupied_over_total",
            field="occupied",
        )
    if figures.occupied + figures.reserved > figures.total:
        raise InvalidInput(
            _("Terpakai ditambah disiapkan (%(used)s) tidak boleh melebihi jumlah tempat tidur (%(total)s).")
            % {"used": figures.occupied + figures.reserved, "total": figures.total},
            code="reserved_over_total",
            field="reserved",
        )


def staff_facility(user: User) -> Facility:
    """The facility `user` reports for: hospital staff of a unit with a facility profile; anyone else is refused."""
    if user.role != RoleChoices.HOSPITAL_STAFF or user.unit_id is None:
        raise Forbidden(_("Hanya petugas rumah sakit yang boleh memperbarui tempat tidur."), code="not_hospital_staff")
    facility = Facility.objects.select_related("unit").filter(unit_id=user.unit_id).first()
    if facility is None:
        raise Forbidden(_("Unit Anda belum terdaftar sebagai fasilitas kesehatan."), code="no_facility")
    return facility


def _check_may_report(user: User, facility: Facility) -> None:
    if staff_facility(user).pk != facility.pk:
        raise Forbidden(_("Anda hanya boleh memperbarui tempat tidur rumah sakit Anda sendiri."), code="other_facility")


def _check_bed_type(bed_type: str) -> None:
    if bed_type not in BedTypeChoices.values():
        raise InvalidInput(_("Jenis tempat tidur tidak dikenal."), code="unknown_bed_type", field="bed_type")


def _write(bed: BedCount, facility: Facility, figures: BedFigures, user: User, source: str) -> BedCount:
    now = clock.now()
    bed.facility = facility  # already read with its unit: no query for the event's hospital code
    bed.total, bed.occupied, bed.reserved, bed.queue = figures.total, figures.occupied, figures.reserved, figures.queue
    bed.updated_at = now
    bed.updated_by = user
    bed.save()
    record_change(bed, now, user, source)
    return bed


def record_change(bed: BedCount, now: datetime, user: User | None, source: str) -> None:
    """After `bed` (its facility's unit read) was saved with new figures at `now`: its BedChange, and the event the
    live board and Dinkes learn of it by once committed (the public payload keeps only events.PUBLIC_FIELDS). Used
    by the staff's changes here and by a referral's reservation, admission or release (services.referrals)."""
    BedChange.objects.create(
        bed_count=bed,
        total=bed.total,
        occupied=bed.occupied,
        reserved=bed.reserved,
        queue=bed.queue,
        changed_at=now,
        changed_by=user,
        source=source,
    )
    record_event(
        kind=CHANGED,
        subject_type=SUBJECT_TYPE,
        subject_id=str(bed.pk),
        at=now,
        payload={
            "hospital": bed.facility.unit.code,
            "bed_type": bed.bed_type,
            "free": bed.free,
            "total": bed.total,
            "updated_at": now.isoformat(),
            "occupied": bed.occupied,
            "reserved": bed.reserved,
            "queue": bed.queue,
            "source": source,
        },
        is_public=True,
    )


def set_beds(
    user: User,
    facility: Facility,
    bed_type: str,
    figures: BedFigures,
    *,
    room: str = "",
    source: str = ChangeSourceChoices.FORM,
) -> BedCount:
    """Set the figures of one bed type (the API and the form): the current row and one history row."""
    _check_may_report(user, facility)
    _check_bed_type(bed_type)
    validate_figures(figures)
    with transaction.atomic():
        bed = BedCount.objects.select_for_update().filter(facility=facility, bed_type=bed_type).first()
        if bed is None:
            bed = BedCount(facility=facility, bed_type=bed_type, total=0)
        if room:
            bed.room = room
        return _write(bed, facility, figures, user, source)


def tap(user: User, facility: Facility, bed_type: str, field: str, delta: int) -> BedCount:
    """One tap on the phone page: one figure up or down by one, checked against the others under a row lock."""
    _check_may_report(user, facility)
    if field not in TAP_FIELDS or delta not in (1, -1):
        raise InvalidInput(_("Perubahan tidak dikenal."), code="unknown_change", field="field")
    with transaction.atomic():
        bed = BedCount.objects.select_for_update().filter(facility=facility, bed_type=bed_type).first()
        if bed is None:
            raise InvalidInput(
                _("Jenis tempat tidur ini belum didaftarkan."), code="unknown_bed_type", field="bed_type"
            )
        values = {name: getattr(bed, name) for name in TAP_FIELDS}
        values[field] += delta
        figures = BedFigures(**values)
        validate_figures(figures)
        return _write(bed, facility, figures, user, ChangeSourceChoices.TAP)


def load_facilities(path: Path = FACILITIES_FILE) -> int:
    """Create the units and facility profiles of the data file that do not exist yet; returns how many are new.

    A point outside the city gives a unit with `inside_city` false; a point in the city its kelurahan and kecamatan.
    """
    created = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            kind = row["kind"]
            if kind not in UnitKindChoices.HEALTH_FACILITIES:
                raise ValueError(f"{row['code']}: unknown kind {kind!r}")
            unit = OrganisationUnit.objects.filter(kind=kind, code=row["code"]).first()
            if unit is None:
                unit = OrganisationUnit(kind=kind, code=row["code"], name=row["name"])
                if row["latitude"]:
                    spot = place(float(row["latitude"]), float(row["longitude"]))
                    unit.latitude, unit.longitude = spot.latitude, spot.longitude
                    unit.village_id, unit.district_id = spot.village_id, spot.district_id
                    # A row naming one of the city's kecamatan is in the city even if its approximate point is not.
                    unit.inside_city = (
                        spot.village_id is not None
                        or bool(row.get("kecamatan"))
                        or kind not in UnitKindChoices.MAY_BE_OUTSIDE_CITY
                    )
                unit.full_clean()
                unit.save()
                created += 1
            services = [value for value in row.get("services", "").split() if value]
            unknown = set(services) - set(ServiceChoices.values())
            if unknown:
                raise ValueError(f"{row['code']}: unknown services {sorted(unknown)}")
            facility, new = Facility.objects.get_or_create(
                unit=unit,
                defaults={
                    "hospital_class": row["hospital_class"],
                    "ownership": row["ownership"],
                    "services": services,
                    "services_approximate": row.get("services_approximate") == "yes",
                    "phone": row.get("phone", ""),
                    "registry_code": row["kode_rs"],
                    "name_approximate": row["name_approximate"] == "yes",
                    "point_approximate": row["point_approximate"] == "yes",
                },
            )
            if not new and not facility.services and services:
                # A profile loaded before the file listed services gets them; one edited since keeps its own.
                facility.services = services
                facility.services_approximate = row.get("services_approximate") == "yes"
                facility.save(update_fields=["services", "services_approximate"])
    return created
