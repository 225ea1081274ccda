"""Reads for Si Tik Tik's pages and API: who may see which inspection, a jumantik's week, the city's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.conf import settings
from django.db.models import Count, QuerySet

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.geo.models import Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import (
    Area,
    Counts,
    Figures,
    Period,
    area_figures,
    counts_of,
    figures,
    figures_by_village,
    inspections_in,
)
from patriot.larvae.models import FieldAssignment, Inspection, RtTarget
from patriot.larvae.scope import Scope, inspection_scope

RECENT_LIMIT = 50


def visible_inspections(user: User) -> QuerySet[Inspection]:
    """Inspections `user` may read, household addresses included (larvae.scope): a jumantik their own; a
    coordinator their RW or kelurahan; a puskesmas its kelurahan; Dinkes all; nobody else any (citizens, agencies,
    the POC and the mayor see areas and figures, never households)."""
    scope = inspection_scope(user)
    if scope is None:
        return Inspection.objects.none()
    return Inspection.objects.filter(scope.condition())


@dataclass(frozen=True)
class RtWeekTarget:
    """An RT's houses this week against its target (the coordinator's figure, or the default)."""

    village: Village
    rw: int
    rt: int
    target: int
    is_default: bool
    houses_done: int

    @property
    def percent(self) -> int:
        return round(self.houses_done / self.target * 100) if self.target else 0


def rt_target(village_id: int, rw: int, rt: int) -> tuple[int, bool]:
    """(houses per week, whether it is the PATRIOT_LARVAE_RT_TARGET_DEFAULT figure) for one RT."""
    houses = RtTarget.objects.filter(village_id=village_id, rw=rw, rt=rt).values_list("houses", flat=True).first()
    if houses is None:
        return settings.PATRIOT_LARVAE_RT_TARGET_DEFAULT, True
    return houses, False


@dataclass(frozen=True)
class JumantikWeek:
    period: Period
    figures: Figures
    buildings: int
    inspections: list[Inspection]
    # Their own RT's houses this week (by every jumantik of the RT) against its target; None before an RT is assigned.
    rt: RtWeekTarget | None = None


def jumantik_week(user: User, at: datetime) -> JumantikWeek:
    """The ISO week holding `at` for one jumantik: houses done, positives, the indices of their own houses, their
    RT's houses against its target, and their latest inspections of the week (every building kind)."""
    period = Period.week_of(at)
    week = visible_inspections(user).filter(inspected_at__gte=period.start, inspected_at__lt=period.end)
    counts = counts_of(week.filter(building_kind=BuildingKindChoices.HOUSE))
    recent = list(week.select_related("village")[:RECENT_LIMIT])
    return JumantikWeek(
        period=period,
        figures=figures(counts),
        buildings=week.count(),
        inspections=recent,
        rt=_assigned_rt_week(user, period),
    )


def _assigned_rt_week(user: User, period: Period) -> RtWeekTarget | None:
    assignment = FieldAssignment.objects.filter(user=user).select_related("village").first()
    if assignment is None or assignment.rw is None or assignment.rt is None:
        return None
    target, is_default = rt_target(assignment.village_id, assignment.rw, assignment.rt)
    done = inspections_in(Area(village_id=assignment.village_id, rw=assignment.rw, rt=assignment.rt), period).count()
    return RtWeekTarget(
        village=assignment.village,
        rw=assignment.rw,
        rt=assignment.rt,
        target=target,
        is_default=is_default,
        houses_done=done,
    )


# Who reads the figures of every area (no household in them): Dinkes, the Patriot Operation Centre, the mayor.
INDEX_ROLES = frozenset({Role.HEALTH_OFFICER, Role.MAYOR}) | Role.POC_ROLES


@dataclass(frozen=True)
class VillageFigures:
    village: Village
    figures: Figures


@dataclass(frozen=True)
class CityWeek:
    period: Period
    city: Figures
    villages: list[VillageFigures]


def city_week(period: Period) -> CityWeek:
    """Every kelurahan's house indices for a period (one grouped query) and the city's (one more); a kelurahan
    without inspections shows no index rather than a perfect one."""
    by_village = figures_by_village(period)
    empty = figures(Counts())
    villages = [
        VillageFigures(village=village, figures=by_village.get(village.pk, empty))
        for village in Village.objects.select_related("district").order_by("district__name", "name")
    ]
    return CityWeek(period=period, city=area_figures(Area(), period), villages=villages)


def rt_targets_in(scope: Scope, at: datetime) -> list[RtWeekTarget]:
    """The RTs of a supervisor's area that have a target or an assigned jumantik, each with its houses this week."""
    period = Period.week_of(at)
    targets = {(t.village_id, t.rw, t.rt): t.houses for t in RtTarget.objects.filter(scope.area_condition())}
    keys = set(targets)
    keys.update(
        (village_id, cast(int, rw), cast(int, rt))
        for village_id, rw, rt in FieldAssignment.objects.filter(
            scope.area_condition(), rw__isnull=False, rt__isnull=False
        ).values_list("village_id", "rw", "rt")
    )
    done = {
        (row["village_id"], row["rw"], row["rt"]): row["houses"]
        for row in inspections_in(Area(), period)
        .filter(scope.condition())
        .values("village_id", "rw", "rt")
        .order_by()
        .annotate(houses=Count("id"))
    }
    villages = Village.objects.in_bulk({key[0] for key in keys})
    default = settings.PATRIOT_LARVAE_RT_TARGET_DEFAULT
    return [
        RtWeekTarget(
            village=villages[village_id],
            rw=rw,
            rt=rt,
            target=targets.get((village_id, rw, rt), default),
            is_default=(village_id, rw, rt) not in targets,
            houses_done=done.get((village_id, rw, rt), 0),
        )
        for village_id, rw, rt in sorted(keys, key=lambda key: (villages[key[0]].name, key[1], key[2]))
    ]
