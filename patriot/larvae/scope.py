"""Who sees which households' inspections: a jumantik their own, a coordinator their RW or kelurahan, a puskesmas
its kelurahan (or kecamatan, for a puskesmas placed in a kecamatan only), Dinkes (a health officer of the city health
agency, PATRIOT_HEALTH_AGENCY_CODE) the city; nobody else any: not the system admin, not a health officer of another
agency, nor one placed nowhere yet (the POC, the mayor and the public see areas and figures only).

Every page, export or API answer that shows a household's address, point, photo or answers records the read in the
personal-data audit (larvae.audit.record_household_reads)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import User
from patriot.larvae.models import FieldAssignment

# Roles that supervise jumantik: the data-quality page, RT targets, the inspections of their area with addresses.
SUPERVISOR_ROLES = frozenset({Role.JUMANTIK_COORDINATOR, Role.HEALTH_OFFICER})


@dataclass(frozen=True)
class Scope:
    """An area of inspections: the whole city, a kecamatan, a kelurahan, or an RW of one; or one jumantik's own."""

    city: bool = False
    district_id: int | None = None
    village_id: int | None = None
    rw: int | None = None
    jumantik_id: int | None = None

    def condition(self) -> Q:
        if self.city:
            return Q()
        if self.jumantik_id is not None:
            return Q(jumantik_id=self.jumantik_id)
        condition = Q()
        if self.district_id is not None:
            condition &= Q(district_id=self.district_id)
        if self.village_id is not None:
            condition &= Q(village_id=self.village_id)
        if self.rw is not None:
            condition &= Q(rw=self.rw)
        return condition

    def area_condition(self, village_field: str = "village") -> Q:
        """The same area for rows that name a kelurahan and an RW (RT targets, assignments), not a jumantik."""
        if self.city:
            return Q()
        condition = Q()
        if self.district_id is not None:
            condition &= Q(**{f"{village_field}__district_id": self.district_id})
        if self.village_id is not None:
            condition &= Q(**{f"{village_field}_id": self.village_id})
        if self.rw is not None:
            condition &= Q(rw=self.rw)
        return condition

    def covers(self, *, village_id: int, district_id: int, rw: int) -> bool:
        if self.city:
            return True
        if self.jumantik_id is not None:
            return False
        return (
            (self.district_id is None or self.district_id == district_id)
            and (self.village_id is None or self.village_id == village_id)
            and (self.rw is None or self.rw == rw)
        )


def is_city_health_agency(user: User) -> bool:
    """A health officer of Dinas Kesehatan (the agency whose code is PATRIOT_HEALTH_AGENCY_CODE), active. A health
    officer of any other agency, or of a puskesmas, is not Dinkes."""
    if not user.is_authenticated or not user.is_active or user.role != Role.HEALTH_OFFICER:
        return False
    agency = user.agency if user.agency_id is not None else None
    return agency is not None and agency.is_active and agency.code == settings.PATRIOT_HEALTH_AGENCY_CODE


def _assignment(user: User) -> FieldAssignment | None:
    return FieldAssignment.objects.filter(user=user).first()


def supervised_area(user: User) -> Scope | None:
    """The area whose inspections a supervisor reads, or None: not a supervisor, or one not placed anywhere yet."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.role == Role.JUMANTIK_COORDINATOR:
        assignment = _assignment(user)
        if assignment is not None:
            return Scope(village_id=assignment.village_id, rw=assignment.rw)
        unit = user.unit
        return Scope(village_id=unit.village_id) if unit is not None and unit.village_id else None
    if user.role == Role.HEALTH_OFFICER:
        unit = user.unit
        if unit is None or unit.kind != UnitKindChoices.PUSKESMAS:
            # Dinas Kesehatan: the city; another agency's health officer, or one placed nowhere yet: nothing.
            return Scope(city=True) if is_city_health_agency(user) else None
        if unit.village_id:
            return Scope(village_id=unit.village_id)
        if unit.district_id:
            return Scope(district_id=unit.district_id)
        return None
    return None


def inspection_scope(user: User) -> Scope | None:
    """The inspections `user` reads with their household addresses: a jumantik their own; a supervisor their area."""
    if user.is_authenticated and user.is_active and user.role == Role.JUMANTIK:
        return Scope(jumantik_id=user.pk)
    return supervised_area(user)
