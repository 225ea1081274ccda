"""Reads for Si Tik Tik's pages and API: who may see which inspection, a jumantik's week, the city's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.geo.models import Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Area, Counts, Figures, Period, area_figures, counts_of, figures, figures_by_village
from patriot.larvae.models import Inspection

# Who reads every inspection with its household address: Dinkes (health officers) and the system admin. The
# coordinator and puskesmas roles will read their own area's once they exist.
ALL_INSPECTIONS_ROLES = frozenset({Role.HEALTH_OFFICER, Role.SYSTEM_ADMIN})
RECENT_LIMIT = 50


def visible_inspections(user: User) -> QuerySet[Inspection]:
    """Inspections `user` may read, household addresses included: a jumantik their own; Dinkes all; nobody else
    any (citizens, agencies, the POC see areas and figures, never households)."""
    if not user.is_authenticated or not user.is_active:
        return Inspection.objects.none()
    if user.role == Role.JUMANTIK:
        return Inspection.objects.filter(jumantik=user)
    if user.role in ALL_INSPECTIONS_ROLES:
        return Inspection.objects.all()
    return Inspection.objects.none()


@dataclass(frozen=True)
class JumantikWeek:
    period: Period
    figures: Figures
    buildings: int
    inspections: list[Inspection]


def jumantik_week(user: User, at: datetime) -> JumantikWeek:
    """The ISO week holding `at` for one jumantik: houses done, positives, the indices of their own houses, and
    their latest inspections of the week (every building kind)."""
    period = Period.week_of(at)
    week = visible_inspections(user).filter(inspected_at__gte=period.start, inspected_at__lt=period.end)
    counts = counts_of(week.filter(building_kind=BuildingKindChoices.HOUSE))
    recent = list(week.select_related("village")[:RECENT_LIMIT])
    return JumantikWeek(period=period, figures=figures(counts), buildings=week.count(), inspections=recent)


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
