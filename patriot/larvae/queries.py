"""Reads for Si Tik Tik's pages and API: who may see which inspection, and a jumantik's week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Figures, Period, counts_of, figures
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
