"""Reads for referrals' pages and API: the public bed board, a hospital's own beds and Dinkes' occupancy charts.
Figures older than PATRIOT_BED_STALE_HOURS (6 by default) are stale: shown with their time, never as current
free beds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import get_format

from patriot.core import clock
from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.models import BedChange, BedCount, Facility


def stale_after() -> timedelta:
    return timedelta(hours=float(settings.PATRIOT_BED_STALE_HOURS))


def is_stale(updated_at: datetime, now: datetime | None = None) -> bool:
    return (now or clock.now()) - updated_at > stale_after()


def _type_order() -> dict[str, int]:
    return {value: index for index, value in enumerate(BedTypeChoices.values())}


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
    updated_label: str = ""

    @property
    def updated_iso(self) -> str:
        return self.updated_at.isoformat()


@dataclass
class BoardHospital:
    """One hospital on the public board: its rows, where it is (approximate points say so) and whether it is in
    the city."""

    code: str
    name: str
    latitude: float | None
    longitude: float | None
    point_approximate: bool
    inside_city: bool
    rows: list[BoardRow] = field(default_factory=list)
    facility_id: int = 0

    @property
    def free(self) -> int:
        """Free beds of its current (not stale) rows."""
        return sum(row.free or 0 for row in self.rows)

    @property
    def updated_at(self) -> datetime | None:
        return max((row.updated_at for row in self.rows), default=None)


# Django date format characters with a fixed-width strftime twin: a board of hundreds of rows formats its times
# with strftime (fast) when the language's SHORT_DATETIME_FORMAT uses only these, else with Django's formatter.
_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "G": "%-H", "i": "%M"}


def _time_formatter() -> Callable[[datetime], str]:
    """The active language's short date-time format with the zone's name, as core's `local_dt` filter writes it
    ("06-12-2026 17.02 WIB"), for many times in a row (strftime when the format allows: much faster)."""
    pattern = str(get_format("SHORT_DATETIME_FORMAT"))
    zone = timezone.get_default_timezone()
    if all(ch in _STRFTIME or not ch.isalpha() for ch in pattern) and "\\" not in pattern:
        strftime = "".join(_STRFTIME.get(ch, ch.replace("%", "%%")) for ch in pattern) + " %Z"
        return lambda value: value.astimezone(zone).strftime(strftime)
    return lambda value: (lambda local: f"{date_format(local, pattern)} {local.tzname()}")(value.astimezone(zone))


def board_hospitals(bed_type: str | None = None, *, facility_ids: Collection[int] | None = None) -> list[BoardHospital]:
    """Every active hospital with a reported bed row (of `bed_type`, if given; of `facility_ids`, if given), one
    query. With a bed type, the hospitals with most current free beds of it come first (stale last); otherwise by
    name."""
    beds = BedCount.objects.filter(facility__unit__is_active=True)
    if bed_type:
        beds = beds.filter(bed_type=bed_type)
    if facility_ids is not None:
        beds = beds.filter(facility_id__in=list(facility_ids))
    values = beds.values_list(
        "facility_id",
        "bed_type",
        "total",
        "occupied",
        "reserved",
        "updated_at",
        "facility__unit__code",
        "facility__unit__name",
        "facility__unit__latitude",
        "facility__unit__longitude",
        "facility__unit__inside_city",
        "facility__point_approximate",
    )
    now = clock.now()
    limit = stale_after()
    labels = {value: str(label) for value, label in BedTypeChoices.choices()}
    time_label = _time_formatter()
    order = _type_order()
    hospitals: dict[str, BoardHospital] = {}
    for facility_id, kind, total, occupied, reserved, updated_at, code, name, lat, lon, inside, approximate in values:
        hospital = hospitals.get(code)
        if hospital is None:
            hospital = hospitals[code] = BoardHospital(
                code, name, lat, lon, approximate, inside, facility_id=facility_id
            )
        stale = now - updated_at > limit
        hospital.rows.append(
            BoardRow(
                hospital=name,
                hospital_code=code,
                bed_type=kind,
                bed_type_label=labels.get(kind, kind),
                total=total,
                free=None if stale else max(0, total - occupied - reserved),
                updated_at=updated_at,
                stale=stale,
                updated_label=time_label(updated_at),
            )
        )
    result = list(hospitals.values())
    for hospital in result:
        hospital.rows.sort(key=lambda row: order.get(row.bed_type, 99))
    if bed_type:
        result.sort(key=lambda h: (h.rows[0].stale, -(h.rows[0].free or 0), h.name))
    else:
        result.sort(key=lambda h: h.name)
    return result


def board(bed_type: str | None = None) -> list[BoardRow]:
    """Every reported bed type of every active hospital, by hospital name then bed type order."""
    rows = [row for hospital in board_hospitals(bed_type) for row in hospital.rows]
    order = _type_order()
    rows.sort(key=lambda row: (row.hospital, order.get(row.bed_type, 99)))
    return rows


def map_points(hospitals: list[BoardHospital]) -> list[dict[str, Any]]:
    """The board's map markers (JSON for the page): public figures only, stale rows without a free count."""
    return [
        {
            "code": hospital.code,
            "name": hospital.name,
            "lat": hospital.latitude,
            "lon": hospital.longitude,
            "approximate": hospital.point_approximate,
            "beds": [
                {"type": row.bed_type, "label": row.bed_type_label, "free": row.free, "total": row.total}
                for row in hospital.rows
            ],
        }
        for hospital in hospitals
        if hospital.latitude is not None and hospital.longitude is not None
    ]


def facility_beds(facility: Facility) -> list[tuple[BedCount, bool]]:
    """A hospital's own bed rows with their staleness, for its staff's phone page."""
    now = clock.now()
    order = _type_order()
    beds = sorted(facility.beds.all(), key=lambda bed: order.get(bed.bed_type, 99))
    return [(bed, is_stale(bed.updated_at, now)) for bed in beds]


# --- Dinkes: occupancy over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccupancySeries:
    """Occupancy (occupied + reserved over total, in %) per bed type at the end of each period, from BedChange
    history. `labels` are the period ends (local dates); a bed type with no beds at a point has None there."""

    labels: list[str]
    series: dict[str, list[float | None]]


def hospitals_with_beds() -> list[tuple[str, str]]:
    """(code, name) of the active hospitals that report beds, by name: the Dinkes page's hospital filter."""
    rows = (
        Facility.objects.filter(unit__is_active=True, beds__isnull=False)
        .values_list("unit__code", "unit__name")
        .distinct()
        .order_by("unit__name")
    )
    return list(rows)


def occupancy(days: int = 30, hospital: str | None = None, *, now: datetime | None = None) -> OccupancySeries:
    """Daily bed occupancy per type over the last `days` days (city-wide, or of one hospital's unit code): each
    bed row's figures as they stood at the end of each day, summed by type. Two queries: the figures standing at the
    start of the window, then the changes in it."""
    now = now or clock.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    ends = [today - timedelta(days=days - 1 - index) + timedelta(days=1) for index in range(days)]
    ends[-1] = now
    start = ends[0] - timedelta(days=1)
    beds = BedCount.objects.filter(facility__unit__is_active=True)
    if hospital:
        beds = beds.filter(facility__unit__code=hospital)
    bed_types = dict(beds.values_list("pk", "bed_type"))
    changes = BedChange.objects.filter(bed_count_id__in=list(bed_types))
    # The figures standing at `start`: each row's last change before it.
    state: dict[int, tuple[int, int]] = {}
    before = (
        changes.filter(changed_at__lt=start)
        .order_by("bed_count_id", "-changed_at", "-id")
        .values_list("bed_count_id", "total", "occupied", "reserved")
    )
    for bed_id, total, occupied, reserved in before:
        if bed_id not in state:
            state[bed_id] = (total, occupied + reserved)
    window = (
        changes.filter(changed_at__gte=start, changed_at__lte=now)
        .order_by("changed_at", "id")
        .values_list("bed_count_id", "changed_at", "total", "occupied", "reserved")
        .iterator(chunk_size=5000)
    )
    order = _type_order()
    kinds = sorted(set(bed_types.values()), key=lambda kind: order.get(kind, 99))
    series: dict[str, list[float | None]] = {kind: [] for kind in kinds}
    pending = next(window, None)
    for end in ends:
        while pending is not None and pending[1] < end:
            bed_id, _at, total, occupied, reserved = pending
            state[bed_id] = (total, occupied + reserved)
            pending = next(window, None)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for bed_id, (total, used) in state.items():
            sums = totals[bed_types[bed_id]]
            sums[0] += total
            sums[1] += used
        for kind in kinds:
            total, used = totals.get(kind, (0, 0))
            series[kind].append(round(100 * used / total, 1) if total else None)
    labels = [timezone.localtime(end - timedelta(seconds=1)).date().isoformat() for end in ends]
    return OccupancySeries(labels=labels, series=series)
