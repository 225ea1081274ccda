"""Which hospitals a crew may take a patient to: those that accept this kind of patient and have emergency
capacity. Capacity comes from the provider another app registers (core.registry.register_hospital_capacity:
referrals' bed availability); without one, every active hospital unit is listed with its capability unknown.

A hospital accepts a complaint when it has one of the capability flags REQUIRED names for it (or the complaint
needs none); it has emergency capacity unless its fresh report says no free IGD bed. Unknown or stale figures
do not exclude a hospital (the crew may still call ahead), but they are shown as such."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit
from patriot.core import registry
from patriot.emergency.choices import ComplaintChoices as Complaint
from patriot.emergency.models import Incident

# Complaint → capability flags of which a hospital needs one (referrals' services and bed types).
REQUIRED: dict[str, frozenset[str]] = {
    Complaint.CHEST_PAIN: frozenset({"cath_lab", "iccu"}),
    Complaint.STROKE_SIGNS: frozenset({"stroke_unit"}),
    Complaint.PREGNANCY_LABOUR: frozenset({"maternity", "perinatology"}),
}
NEEDS = {
    Complaint.CHEST_PAIN: _("cath lab atau ICCU"),
    Complaint.STROKE_SIGNS: _("unit stroke"),
    Complaint.PREGNANCY_LABOUR: _("kebidanan"),
}


@dataclass(frozen=True)
class HospitalOption:
    unit: OrganisationUnit
    accepts: bool | None  # None: capability unknown
    emergency_free: int | None  # None: unknown or stale
    icu_free: int | None
    updated_at: datetime | None
    stale: bool
    distance_km: float | None
    # The hospital that accepted a transfer's referral (Incident.destination): chosen whatever its emergency room
    # shows, and choosing it is what records the referral's arrival (services.incidents._transfer_arrival).
    receiving: bool = False

    @property
    def selectable(self) -> bool:
        return self.receiving or (self.accepts is not False and self.emergency_free != 0)


def _distance_km(incident: Incident, unit: OrganisationUnit) -> float | None:
    if incident.latitude is None or incident.longitude is None or unit.latitude is None or unit.longitude is None:
        return None
    lat1, lon1 = math.radians(incident.latitude), math.radians(incident.longitude)
    lat2, lon2 = math.radians(unit.latitude), math.radians(unit.longitude)
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def options(incident: Incident) -> list[HospitalOption]:
    """Every active hospital for this incident: the selectable ones first (nearest first), then the others."""
    capacity = registry.hospital_capacity()
    required = REQUIRED.get(incident.complaint, frozenset())
    rows = []
    for unit in OrganisationUnit.objects.filter(kind=UnitKindChoices.HOSPITAL, is_active=True).order_by("name"):
        known = capacity.get(unit.pk) if capacity is not None else None
        if known is None:
            accepts: bool | None = None if required else True
            rows.append(HospitalOption(unit, accepts, None, None, None, False, _distance_km(incident, unit)))
            continue
        accepts = bool(known.flags & required) if required else True
        rows.append(
            HospitalOption(
                unit,
                accepts,
                known.emergency_free,
                known.icu_free,
                known.updated_at,
                known.stale,
                _distance_km(incident, unit),
            )
        )
    if required and not any(row.accepts for row in rows):
        # No hospital lists the capability (not reported yet): none is refused for it.
        rows = [
            HospitalOption(row.unit, None, row.emergency_free, row.icu_free, row.updated_at, row.stale, row.distance_km)
            for row in rows
        ]
    if incident.referral_id is not None and incident.destination_id is not None:
        rows = [replace(row, receiving=row.unit.pk == incident.destination_id) for row in rows]
    return sorted(
        rows,
        key=lambda row: (not row.selectable, row.distance_km if row.distance_km is not None else 1e9, row.unit.name),
    )
