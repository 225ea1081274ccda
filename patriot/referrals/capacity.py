"""Referrals' answer to the core's hospital capacity hook (core.registry.register_hospital_capacity, set in
apps.py): per hospital unit, its capability flags (its listed services plus the bed types it reports) and its free
emergency (IGD) and ICU beds; figures older than PATRIOT_BED_STALE_HOURS are stale and count as unknown."""

from __future__ import annotations

from datetime import datetime

from patriot.accounts.choices import UnitKindChoices
from patriot.core import clock
from patriot.core.registry import HospitalCapacity
from patriot.referrals.choices import BedTypeChoices
from patriot.referrals.models import BedCount, Facility
from patriot.referrals.queries import is_stale

ICU_TYPES = frozenset({BedTypeChoices.ICU, BedTypeChoices.ICCU})


def hospital_capacity() -> dict[int, HospitalCapacity]:
    """Every active hospital with a Facility profile: two queries."""
    now = clock.now()
    facilities = {
        facility.pk: facility
        for facility in Facility.objects.filter(unit__kind=UnitKindChoices.HOSPITAL, unit__is_active=True).only(
            "pk", "unit_id", "services"
        )
    }
    flags: dict[int, set[str]] = {pk: set(facility.services or []) for pk, facility in facilities.items()}
    emergency: dict[int, int] = {}
    icu: dict[int, int] = {}
    updated: dict[int, datetime] = {}
    stale: dict[int, bool] = {}
    for bed in BedCount.objects.filter(facility_id__in=facilities):
        pk = bed.facility_id
        if bed.total > 0:
            flags[pk].add(bed.bed_type)
        old = is_stale(bed.updated_at, now)
        if bed.bed_type in (BedTypeChoices.EMERGENCY, *ICU_TYPES):
            updated[pk] = max(updated.get(pk, bed.updated_at), bed.updated_at)
            stale[pk] = stale.get(pk, False) or old
            if not old:
                target = emergency if bed.bed_type == BedTypeChoices.EMERGENCY else icu
                target[pk] = target.get(pk, 0) + bed.free
    return {
        facility.unit_id: HospitalCapacity(
            unit_id=facility.unit_id,
            flags=frozenset(flags[pk]),
            emergency_free=emergency.get(pk),
            icu_free=icu.get(pk),
            updated_at=updated.get(pk),
            stale=stale.get(pk, False),
        )
        for pk, facility in facilities.items()
    }
