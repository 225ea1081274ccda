"""Reads about organisation units: which units a person's work covers, who belongs to a unit."""

from __future__ import annotations

from django.db.models import QuerySet

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import OrganisationUnit, User


def unit_and_descendant_ids(unit_id: int) -> set[int]:
    """`unit_id` and every unit below it (an agency's URC teams, a kecamatan office's kelurahan offices), one query
    per level."""
    found = {unit_id}
    level = {unit_id}
    while level:
        level = set(OrganisationUnit.objects.filter(parent_id__in=level).values_list("pk", flat=True)) - found
        found |= level
    return found


def units_in_scope(user: User | None) -> QuerySet[OrganisationUnit]:
    """The units whose work `user` may see: every unit for the city-wide roles, their own unit and the units
    below it for other staff (an agency's admin: the agency and its URC teams), none for citizens and visitors."""
    units = OrganisationUnit.objects.all()
    if user is None or not user.is_authenticated or user.role == RoleChoices.CITIZEN:
        return units.none()
    if user.sees_citywide:
        return units
    if user.unit_id is None:
        return units.none()
    return units.filter(pk__in=unit_and_descendant_ids(user.unit_id))


def users_of_unit(unit: OrganisationUnit, *, with_descendants: bool = False) -> QuerySet[User]:
    """The active staff who belong to `unit` (and, if asked, to the units below it)."""
    unit_ids = unit_and_descendant_ids(unit.pk) if with_descendants else {unit.pk}
    return User.objects.filter(unit_id__in=unit_ids, is_active=True).exclude(role=RoleChoices.CITIZEN)
