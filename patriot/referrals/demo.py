"""Demo beds for `patriot seed --demo`: every hospital of the facility list gets the bed types its class and
services suggest, sized from its RS Online bed count where the data file has one, and 30 days of figures that move
(a few reports a day, a random walk of occupancy), written with bulk_create and no events or notifications. A few
hospitals stopped reporting hours ago, so the board shows stale figures too. The `hospital` demo account becomes
staff of the city's referral hospital when it has no unit yet."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.referrals.choices import BedTypeChoices as Bed
from patriot.referrals.choices import ChangeSourceChoices, ServiceChoices
from patriot.referrals.models import BedChange, BedCount, Facility
from patriot.referrals.services import FACILITIES_FILE

DAYS = 30
DEMO_HOSPITAL = "rs-umum-daerah-dr-chasbullah-abdulmadjid"
DEMO_USERNAME = "hospital"
# Beds by class when the data file has no RS Online count.
DEFAULT_BEDS = {"A": 400, "B": 250, "C": 120, "D": 50, "": 80}
# Share of a hospital's beds per type (the rest are class III), and the types every hospital has.
SHARES = {
    Bed.ICU: 0.05,
    Bed.ICCU: 0.02,
    Bed.NICU: 0.03,
    Bed.PICU: 0.02,
    Bed.HCU: 0.03,
    Bed.ISOLATION: 0.04,
    Bed.EMERGENCY: 0.05,
    Bed.MATERNITY: 0.05,
    Bed.PERINATOLOGY: 0.03,
    Bed.VIP: 0.06,
    Bed.CLASS_1: 0.12,
    Bed.CLASS_2: 0.18,
}
# Usual occupancy per type: intensive care runs fuller than the wards.
BUSY = {Bed.ICU: 0.85, Bed.ICCU: 0.8, Bed.NICU: 0.85, Bed.PICU: 0.75, Bed.HCU: 0.8, Bed.EMERGENCY: 0.7}


def bed_types(facility: Facility) -> list[str]:
    offered = set(facility.services)
    kinds = [Bed.EMERGENCY, Bed.CLASS_1, Bed.CLASS_2, Bed.CLASS_3]
    if facility.hospital_class in {"A", "B", "C"}:
        kinds.append(Bed.VIP)
    for service, kind in (
        (ServiceChoices.ICU, Bed.ICU),
        (ServiceChoices.NICU, Bed.NICU),
        (ServiceChoices.PICU, Bed.PICU),
        (ServiceChoices.HCU, Bed.HCU),
        (ServiceChoices.ISOLATION, Bed.ISOLATION),
        (ServiceChoices.MATERNITY, Bed.MATERNITY),
    ):
        if service in offered:
            kinds.append(kind)
    if ServiceChoices.NICU in offered:
        kinds.append(Bed.PERINATOLOGY)
    if facility.hospital_class in {"A", "B"}:
        kinds.append(Bed.ICCU)
    return kinds


def _sizes(facility: Facility, beds: int) -> dict[str, int]:
    kinds = bed_types(facility)
    sizes = {kind: max(2, round(beds * SHARES[kind])) for kind in kinds if kind != Bed.CLASS_3}
    sizes[Bed.CLASS_3] = max(4, beds - sum(sizes.values()))
    return sizes


def _reported_beds() -> dict[str, int]:
    with FACILITIES_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: int(row["beds_rs_online"]) for row in csv.DictReader(handle) if row["beds_rs_online"]}


def needed() -> bool:
    return not BedChange.objects.exists()


def seed_demo_beds() -> SeedReport:
    rng = random.Random(12)  # demo figures, not secrets
    now = clock.now()
    start = now - timedelta(days=DAYS)
    reported = _reported_beds()
    # A hospital another demo step already gave beds keeps them (and the unique bed type per hospital holds).
    hospitals = list(
        Facility.objects.filter(unit__kind=UnitKindChoices.HOSPITAL, unit__is_active=True, beds__isnull=True)
        .select_related("unit")
        .distinct()
    )
    counts: list[BedCount] = []
    walks: list[list[tuple[datetime, int, int, int]]] = []
    for facility in hospitals:
        beds = reported.get(facility.unit.code, DEFAULT_BEDS.get(facility.hospital_class, 80))
        # One hospital in eight stopped reporting 7 to 40 hours ago: its figures show as stale.
        silent_for = timedelta(hours=rng.uniform(7, 40)) if rng.random() < 0.125 else timedelta(0)
        for kind, total in _sizes(facility, beds).items():
            busy = BUSY.get(kind, 0.65)
            occupied = min(total, round(total * busy))
            history = []
            at = start + timedelta(minutes=rng.uniform(0, 180))
            while at < now - silent_for:
                reserved = rng.choice((0, 0, 0, 1)) if total > 2 else 0
                step = max(1, round(total * 0.06))
                target = round(total * min(0.98, max(0.3, rng.gauss(busy, 0.08))))
                occupied += max(-step, min(step, target - occupied)) + rng.choice((-1, 0, 1))
                occupied = max(0, min(total - reserved, occupied))
                queue = rng.choice((0, 0, 0, 1, 2)) if occupied + reserved >= total else 0
                history.append((at, occupied, reserved, queue))
                at += timedelta(minutes=rng.uniform(150, 420))  # a report every few hours
            last_at, occupied, reserved, queue = history[-1]
            counts.append(
                BedCount(
                    facility=facility,
                    bed_type=kind,
                    total=total,
                    occupied=occupied,
                    reserved=reserved,
                    queue=queue,
                    updated_at=last_at,
                )
            )
            walks.append(history)
    BedCount.objects.bulk_create(counts)
    # bulk_create sets primary keys on PostgreSQL and SQLite ≥ 3.35; read them back where it does not.
    if any(count.pk is None for count in counts):
        ids = {(c.facility_id, c.bed_type): c.pk for c in BedCount.objects.all()}
        for count in counts:
            count.pk = ids[(count.facility_id, count.bed_type)]
    changes = [
        BedChange(
            bed_count_id=count.pk,
            total=count.total,
            occupied=occupied,
            reserved=reserved,
            queue=queue,
            changed_at=at,
            source=ChangeSourceChoices.API if index % 3 else ChangeSourceChoices.TAP,
        )
        for count, history in zip(counts, walks, strict=True)
        for index, (at, occupied, reserved, queue) in enumerate(history)
    ]
    BedChange.objects.bulk_create(changes, batch_size=2000)
    lines = [f"Tempat tidur demo: {len(counts)} jenis di {len(hospitals)} rumah sakit, {len(changes)} perubahan"]
    lines += _place_demo_staff()
    return SeedReport(lines)


def _place_demo_staff() -> list[str]:
    """The `hospital` demo account reports for the city's referral hospital (if it has no unit yet)."""
    facility = Facility.objects.select_related("unit").filter(unit__code=DEMO_HOSPITAL).first()
    if facility is None:
        return []
    placed = User.objects.filter(username=DEMO_USERNAME, role=RoleChoices.HOSPITAL_STAFF, unit__isnull=True).update(
        unit=facility.unit
    )
    return [f"Akun demo {DEMO_USERNAME}: petugas {facility.unit.name}"] if placed else []


# Before the demo referrals (250): the `hospital` account's hospital gets the full, moving bed history too, and the
# referrals then reserve and fill beds of it.
SEED_STEP = SeedStep("demo-beds", seed_demo_beds, 245, demo=True, needed=needed)
