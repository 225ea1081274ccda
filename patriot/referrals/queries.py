"""Reads for referrals' pages and API: the public bed board and a hospital's own beds. Figures older than
PATRIOT_BED_STALE_HOURS (6 by default) are stale: shown with their time, never as current free beds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from patriot.core import clock
from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.models import BedCount, Facility

DEFAULT_STALE_HOURS = 6


def stale_after() -> timedelta:
    return timedelta(hours=float(getattr(settings, "PATRIOT_BED_STALE_HOURS", DEFAULT_STALE_HOURS)))


def is_stale(updated_at: datetime, now: datetime | None = None) -> bool:
    return (now or clock.now()) - updated_at > stale_after()


@dataclass(frozen=True)
class BoardRow:
    """One bed type at one hospital as the public sees it: no patient, no queue names, only counts and time.
    `free` is None when the figure is stale."""

    hospital: str
    hospital_code: str
    bed_type: str
    bed_type_label: str
    total: int
    free: int | None
    updated_at: datetime
    stale: bool


def board(bed_type: str | None = None) -> list[BoardRow]:
    """Every reported bed type of every active hospital, by hospital name then bed type order."""
    beds = BedCount.objects.filter(facility__unit__is_active=True).select_related("facility__unit")
    if bed_type:
        beds = beds.filter(bed_type=bed_type)
    now = clock.now()
    order = {value: index for index, value in enumerate(BedTypeChoices.values())}
    rows = []
    for bed in beds:
        stale = is_stale(bed.updated_at, now)
        rows.append(
            BoardRow(
                hospital=bed.facility.unit.name,
                hospital_code=bed.facility.unit.code,
                bed_type=bed.bed_type,
                bed_type_label=BedTypeChoices.label(bed.bed_type),
                total=bed.total,
                free=None if stale else bed.free,
                updated_at=bed.updated_at,
                stale=stale,
            )
        )
    rows.sort(key=lambda row: (row.hospital, order.get(row.bed_type, 99)))
    return rows


def facility_beds(facility: Facility) -> list[tuple[BedCount, bool]]:
    """A hospital's own bed rows with their staleness, for its staff's phone page."""
    now = clock.now()
    order = {value: index for index, value in enumerate(BedTypeChoices.values())}
    beds = sorted(facility.beds.all(), key=lambda bed: order.get(bed.bed_type, 99))
    return [(bed, is_stale(bed.updated_at, now)) for bed in beds]
