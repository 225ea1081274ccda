"""Data quality a supervisor can act on, within their area and week: one house inspected twice, a jumantik whose
results are implausibly uniform, inspections far outside the jumantik's RT, RTs with no report.

Reads only. Thresholds are settings (PATRIOT_LARVAE_SAME_HOUSE_METRES, _OUTSIDE_RT_METRES, _UNIFORM_WEEKS,
_UNIFORM_MIN_HOUSES); every finding names the inspections behind it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import shapely
from django.conf import settings
from django.db.models import Count, Q
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from patriot.accounts.models import User
from patriot.geo.models import RukunTetangga, RukunWarga, Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Period
from patriot.larvae.models import FieldAssignment, Inspection, RtTarget
from patriot.larvae.scope import Scope

# Metres per degree of latitude; a degree of longitude is this × cos(latitude). Good to a metre at city scale.
METRES_PER_DEGREE = 111_320.0


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(x, lat2 - lat1) * METRES_PER_DEGREE


@dataclass
class SameHouse:
    """Inspections of one week that look like one house: the same address in the same RT, or points this close."""

    village: str
    rw: int
    rt: int
    address: str
    inspection_ids: list[int]


@dataclass(frozen=True)
class UniformJumantik:
    jumantik: User
    weeks: int
    houses: int
    inspection_ids: list[int]


@dataclass(frozen=True)
class OutsideRt:
    inspection: Inspection
    assigned: str
    metres: int


@dataclass(frozen=True)
class SilentRt:
    village: Village
    rw: int
    rt: int


@dataclass
class Findings:
    period: Period
    same_house: list[SameHouse] = field(default_factory=list)
    uniform: list[UniformJumantik] = field(default_factory=list)
    outside_rt: list[OutsideRt] = field(default_factory=list)
    silent_rts: list[SilentRt] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.same_house) + len(self.uniform) + len(self.outside_rt) + len(self.silent_rts)

    def household_inspection_ids(self) -> list[int]:
        """The inspections whose household address the page shows (for the personal-data audit): every member of a
        same-house group (the group shows their address) and each inspection outside its RT. The uniform jumantik
        and the silent RTs name no household."""
        ids = [pk for finding in self.same_house for pk in finding.inspection_ids]
        ids.extend(finding.inspection.pk for finding in self.outside_rt)
        return ids


def _normal_address(address: str) -> str:
    return " ".join(address.lower().replace(".", " ").replace(",", " ").split())


def same_house_twice(inspections: list[Inspection]) -> list[SameHouse]:
    """Groups of a week's inspections that are one building: the same address in the same RT of a kelurahan, or
    points within PATRIOT_LARVAE_SAME_HOUSE_METRES (a grid of that size, each point checked against its 9 cells)."""
    radius = float(settings.PATRIOT_LARVAE_SAME_HOUSE_METRES)
    parent = {inspection.pk: inspection.pk for inspection in inspections}

    def root(pk: int) -> int:
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    def join(a: int, b: int) -> None:
        parent[root(a)] = root(b)

    by_address: dict[tuple[int, int, int, str], int] = {}
    for inspection in inspections:
        key = (inspection.village_id, inspection.rw, inspection.rt, _normal_address(inspection.address))
        if key in by_address:
            join(inspection.pk, by_address[key])
        else:
            by_address[key] = inspection.pk
    if radius > 0:
        cell = radius / METRES_PER_DEGREE
        grid: dict[tuple[int, int], list[Inspection]] = defaultdict(list)
        for inspection in inspections:
            grid[(math.floor(inspection.latitude / cell), math.floor(inspection.longitude / cell))].append(inspection)
        for (row, column), members in grid.items():
            for inspection in members:
                for d_row in (-1, 0, 1):
                    for d_column in (-1, 0, 1):
                        for other in grid.get((row + d_row, column + d_column), ()):
                            if (
                                other.pk < inspection.pk
                                and _metres(inspection.latitude, inspection.longitude, other.latitude, other.longitude)
                                <= radius
                            ):
                                join(inspection.pk, other.pk)
    groups: dict[int, list[Inspection]] = defaultdict(list)
    for inspection in inspections:
        groups[root(inspection.pk)].append(inspection)
    found = []
    for members in groups.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (i.inspected_at, i.pk))
        first = members[0]
        found.append(
            SameHouse(
                village=first.village.name,
                rw=first.rw,
                rt=first.rt,
                address=first.address,
                inspection_ids=[i.pk for i in members],
            )
        )
    found.sort(key=lambda finding: (finding.village, finding.rw, finding.rt, finding.address))
    return found


def uniform_jumantik(scope: Scope, period: Period) -> list[UniformJumantik]:
    """Jumantik who inspected houses in each of the last PATRIOT_LARVAE_UNIFORM_WEEKS weeks up to `period`, at least
    PATRIOT_LARVAE_UNIFORM_MIN_HOUSES houses in all, and never found larvae: one grouped query."""
    weeks = max(1, int(settings.PATRIOT_LARVAE_UNIFORM_WEEKS))
    starts = [period.start - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    window = Inspection.objects.filter(
        scope.condition(),
        building_kind=BuildingKindChoices.HOUSE,
        inspected_at__gte=starts[0],
        inspected_at__lt=period.end,
    )
    per_week = {
        f"week_{index}": Count("id", filter=Q(inspected_at__gte=start, inspected_at__lt=start + timedelta(weeks=1)))
        for index, start in enumerate(starts)
    }
    rows = (
        window.values("jumantik_id")
        .order_by("jumantik_id")
        .annotate(houses=Count("id"), positive=Count("id", filter=Q(is_positive=True)), **per_week)
    )
    # One row per jumantik of the area: few enough to judge here.
    flagged = [
        row
        for row in rows
        if row["houses"] >= settings.PATRIOT_LARVAE_UNIFORM_MIN_HOUSES
        and row["positive"] == 0
        and all(row[name] for name in per_week)
    ]
    users = User.objects.in_bulk([row["jumantik_id"] for row in flagged])
    found = []
    for row in flagged:
        ids = list(
            window.filter(jumantik_id=row["jumantik_id"]).order_by("-inspected_at").values_list("pk", flat=True)[:50]
        )
        found.append(UniformJumantik(users[row["jumantik_id"]], weeks, row["houses"], ids))
    found.sort(key=lambda finding: finding.jumantik.username)
    return found


def _local_metres(geometry: BaseGeometry, lat0: float) -> BaseGeometry:
    scale = math.cos(math.radians(lat0))
    return shapely.transform(geometry, lambda xy: xy * [scale * METRES_PER_DEGREE, METRES_PER_DEGREE])


def _boundaries(assignments: list[FieldAssignment]) -> dict[tuple[int, int, int], tuple[str, BaseGeometry]]:
    """Each assigned RT's boundary: the RT's polygon, else its RW's, else its kelurahan's (what has been imported)."""
    villages = {a.village_id for a in assignments}
    rts = {
        (rt.rw.village_id, rt.rw.number, rt.number): rt
        for rt in RukunTetangga.objects.filter(rw__village_id__in=villages, boundary__isnull=False).select_related("rw")
    }
    rws = {
        (rw.village_id, rw.number): rw
        for rw in RukunWarga.objects.filter(village_id__in=villages, boundary__isnull=False)
    }
    boundaries = {}
    for assignment in assignments:
        if assignment.rw is None or assignment.rt is None:
            continue
        key = (assignment.village_id, assignment.rw, assignment.rt)
        label = f"RT {assignment.rt:03d}/RW {assignment.rw:02d} {assignment.village.name}"
        boundary: Any = None
        if key in rts:
            boundary = rts[key].boundary
        elif (assignment.village_id, assignment.rw) in rws:
            boundary = rws[(assignment.village_id, assignment.rw)].boundary
        elif assignment.village.boundary:
            boundary = assignment.village.boundary
        if boundary:
            boundaries[key] = (label, shape(cast(dict[str, Any], boundary)))
    return boundaries


def outside_rt(inspections: list[Inspection]) -> list[OutsideRt]:
    """Inspections whose point lies more than PATRIOT_LARVAE_OUTSIDE_RT_METRES from the boundary of the RT their
    jumantik is assigned to (or of its RW or kelurahan, when only those are mapped)."""
    limit = float(settings.PATRIOT_LARVAE_OUTSIDE_RT_METRES)
    assignments = list(
        FieldAssignment.objects.filter(user_id__in={i.jumantik_id for i in inspections}).select_related("village")
    )
    by_user = {a.user_id: a for a in assignments}
    boundaries = _boundaries(assignments)
    found = []
    for inspection in inspections:
        assignment = by_user.get(inspection.jumantik_id)
        if assignment is None:
            continue
        boundary = boundaries.get((assignment.village_id, assignment.rw or 0, assignment.rt or 0))
        if boundary is None:
            continue
        label, geometry = boundary
        lat0 = inspection.latitude
        point = _local_metres(shapely.Point(inspection.longitude, inspection.latitude), lat0)
        metres = _local_metres(geometry, lat0).distance(point)
        if metres > limit:
            found.append(OutsideRt(inspection=inspection, assigned=label, metres=round(metres)))
    return found


def _rt_area(scope: Scope) -> Q:
    """The scope's area for geo RT rows (kelurahan through their RW)."""
    if scope.city:
        return Q()
    condition = Q()
    if scope.district_id is not None:
        condition &= Q(rw__village__district_id=scope.district_id)
    if scope.village_id is not None:
        condition &= Q(rw__village_id=scope.village_id)
    if scope.rw is not None:
        condition &= Q(rw__number=scope.rw)
    return condition


def silent_rts(scope: Scope, period: Period) -> list[SilentRt]:
    """RTs of the area that sent no inspection in the period: every RT known from a jumantik's assignment, an RT
    target, the RT list of `import-rw`, or an inspection in the four weeks before."""
    known: set[tuple[int, int, int]] = set()
    for village_id, rw, rt in FieldAssignment.objects.filter(
        scope.area_condition(), rw__isnull=False, rt__isnull=False
    ).values_list("village_id", "rw", "rt"):
        known.add((village_id, cast(int, rw), cast(int, rt)))
    known.update(RtTarget.objects.filter(scope.area_condition()).values_list("village_id", "rw", "rt"))
    known.update(RukunTetangga.objects.filter(_rt_area(scope)).values_list("rw__village_id", "rw__number", "number"))
    before = Inspection.objects.filter(
        scope.condition(), inspected_at__gte=period.start - timedelta(weeks=4), inspected_at__lt=period.start
    )
    known.update(before.order_by().values_list("village_id", "rw", "rt").distinct())
    reported = set(
        Inspection.objects.filter(scope.condition(), inspected_at__gte=period.start, inspected_at__lt=period.end)
        .order_by()
        .values_list("village_id", "rw", "rt")
        .distinct()
    )
    silent = sorted(known - reported)
    villages = Village.objects.in_bulk({village_id for village_id, _rw, _rt in silent})
    return [SilentRt(villages[village_id], rw, rt) for village_id, rw, rt in silent]


def thresholds() -> dict[str, float]:
    """The settings the findings use, shown on the page so a supervisor knows what "far" and "uniform" mean."""
    return {
        "same_house_metres": settings.PATRIOT_LARVAE_SAME_HOUSE_METRES,
        "outside_rt_metres": settings.PATRIOT_LARVAE_OUTSIDE_RT_METRES,
        "uniform_weeks": settings.PATRIOT_LARVAE_UNIFORM_WEEKS,
        "uniform_min_houses": settings.PATRIOT_LARVAE_UNIFORM_MIN_HOUSES,
    }


def findings(scope: Scope, period: Period) -> Findings:
    """Every finding in the supervisor's area for one week."""
    week = list(
        Inspection.objects.filter(scope.condition(), inspected_at__gte=period.start, inspected_at__lt=period.end)
        .select_related("village", "jumantik")
        .order_by("inspected_at", "pk")
    )
    return Findings(
        period=period,
        same_house=same_house_twice(week),
        uniform=uniform_jumantik(scope, period),
        outside_rt=outside_rt(week),
        silent_rts=silent_rts(scope, period),
    )
