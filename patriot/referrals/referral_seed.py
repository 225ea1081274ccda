"""Seed steps of referrals: the primary-care diagnosis list (reference data, loaded once, then Dinkes's), and with
--demo a puskesmas account (`puskesmas`), the `hospital` account placed in RSUD dr. Chasbullah Abdulmadjid, a second
hospital account (`hospital2`), beds where the bed demo left none, and referrals in every state (and in every FHIR
Task status, "received" included: one opened by the `hospital` account and not answered yet), their hospital copies
in every state (waiting, opened, accepted, rejected for several reasons, withdrawn), one emergency sent to both
hospitals that one rejects and the other accepts, and a late answer escalated; with times as they would be (opened a
minute or two after sending, answered minutes later; the open ones minutes old)."""

from __future__ import annotations

import csv
import io
import random
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.db import transaction

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.accounts.services import DEMO_PASSWORD, DEMO_PASSWORD_SALT
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.referrals import services
from patriot.referrals.choices import (
    BedTypeChoices,
    ChangeSourceChoices,
    ReferralActionChoices,
    RejectReasonChoices,
    TransportChoices,
    UrgencyChoices,
)
from patriot.referrals.models import BedChange, BedCount, Facility, PrimaryCareDiagnosis, Referral
from patriot.referrals.services import opened

PRIMARY_CARE_FILE = Path(__file__).parent / "data" / "primary_care_diagnoses.csv"
DEMO_HOSPITAL = "rs-umum-daerah-dr-chasbullah-abdulmadjid"
DEMO_HOSPITAL_2 = "rs-umum-mitra-keluarga-bekasi-barat-mitra-keluarga-bekasi"
DEMO_PUSKESMAS = "puskesmas-pondok-gede"
DEMO_BEDS = {  # bed type: (total, occupied)
    BedTypeChoices.ICU: (14, 6),
    BedTypeChoices.NICU: (6, 4),
    BedTypeChoices.MATERNITY: (12, 8),
    BedTypeChoices.CLASS_3: (60, 48),
}


def load_primary_care(path: Path = PRIMARY_CARE_FILE) -> int:
    """Load the list once: a table Dinkes already keeps is left alone."""
    if PrimaryCareDiagnosis.objects.exists():
        return 0
    text = "".join(line for line in path.open(encoding="utf-8") if not line.startswith("#"))
    rows = [PrimaryCareDiagnosis(code=row["code"], note=row["note"]) for row in csv.DictReader(io.StringIO(text))]
    PrimaryCareDiagnosis.objects.bulk_create(rows)
    return len(rows)


def seed_primary_care() -> SeedReport:
    created = load_primary_care()
    return SeedReport([f"Diagnosis layanan primer: {PrimaryCareDiagnosis.objects.count()} ({created} baru)"])


def _staff(username: str, unit: OrganisationUnit, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=first, last_name=last)
    user.role = RoleChoices.HOSPITAL_STAFF
    user.is_active = True
    if user.unit_id is None:
        user.unit = unit
    user.password = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
    user.save()
    return user


def _beds(facility: Facility, user: User) -> None:
    now = clock.now()
    for bed_type, (total, occupied) in DEMO_BEDS.items():
        bed, created = BedCount.objects.get_or_create(
            facility=facility,
            bed_type=bed_type,
            defaults={"total": total, "occupied": occupied, "updated_at": now, "updated_by": user},
        )
        if created:
            BedChange.objects.create(
                bed_count=bed,
                total=total,
                occupied=occupied,
                reserved=0,
                queue=0,
                changed_at=now,
                changed_by=user,
                source=ChangeSourceChoices.FORM,
            )
        elif bed.free < 8 or (clock.now() - bed.updated_at).total_seconds() > 3600:
            # Keep the demo able to accept: room for the referrals below, figures current.
            bed.total = max(bed.total, bed.occupied + bed.reserved + 8)
            bed.updated_at = now
            bed.save()


def _current(facility: Facility, user: User) -> None:
    """The facility's bed figures were changed by demo history in the past: report them again now."""
    now = clock.now()
    for bed in BedCount.objects.filter(facility=facility, updated_at__lt=now - timedelta(hours=1)):
        BedChange.objects.create(
            bed_count=bed,
            total=bed.total,
            occupied=bed.occupied,
            reserved=bed.reserved,
            queue=bed.queue,
            changed_at=now,
            changed_by=user,
            source=ChangeSourceChoices.FORM,
        )
        bed.updated_at = now
        bed.updated_by = user
        bed.save(update_fields=["updated_at", "updated_by"])


def _nik(born: date, female: bool, serial: int) -> str:
    return f"327501{born.day + (40 if female else 0):02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def _details(index: int, **overrides: object) -> services.ReferralDetails:
    names = [
        "Budi Santoso",
        "Siti Rahmawati",
        "Ahmad Fauzi",
        "Dewi Anggraini",
        "Rudi Hartono",
        "Nur Halimah",
        "Agus Salim",
        "Rina Wulandari",
        "Hendra Wijaya",
        "Yuni Kartika",
    ]
    female = index % 2 == 1
    born = date(1950 + index * 6, 1 + index, 3 + index)
    values: dict[str, object] = {
        "patient_name": names[index % len(names)],
        "nik": _nik(born, female, 100 + index),
        "birth_date": born,
        "sex": "female" if female else "male",
        "relative_phone": f"08123450{index:04d}",
        "reason": "Perlu perawatan lanjutan di rumah sakit (data demo).",
        "diagnoses": ["I63"],
        "consciousness": "voice",
        "gcs": 12,
        "systolic": 170,
        "diastolic": 100,
        "pulse": 98,
        "respiratory_rate": 22,
        "spo2": 94,
        "bed_type": BedTypeChoices.ICU,
        "urgency": UrgencyChoices.EMERGENCY,
        "referring_doctor": "dr. Lestari (demo)",
    }
    values.update(overrides)
    return services.ReferralDetails(**values)  # type: ignore[arg-type]


def seed_demo_referrals() -> SeedReport:
    hospital_facility = Facility.objects.select_related("unit").get(unit__code=DEMO_HOSPITAL)
    other_facility = Facility.objects.select_related("unit").get(unit__code=DEMO_HOSPITAL_2)
    puskesmas_facility = Facility.objects.select_related("unit").get(unit__code=DEMO_PUSKESMAS)
    with transaction.atomic():
        hospital = _staff("hospital", hospital_facility.unit, "Lina", "Marlina")
        other = _staff("hospital2", other_facility.unit, "Bayu", "Prasetyo")
        puskesmas = _staff("puskesmas", puskesmas_facility.unit, "Wulan", "Sari")
        hospital_facility = services.facility_of(hospital) or hospital_facility
        other_facility = services.facility_of(other) or other_facility
        _beds(hospital_facility, hospital)
        _beds(other_facility, other)
    if Referral.objects.exists():
        return SeedReport([f"Rujukan demo: sudah ada ({Referral.objects.count()})"])
    both = [hospital_facility.pk, other_facility.pk]
    made = []

    def new(index: int, **overrides: object) -> Referral:
        referral = services.create_referral(puskesmas, _details(index, **overrides))
        made.append(referral)
        return referral

    rng = random.Random(12)  # demo figures, not secrets
    now = clock.now()

    def at(start: datetime, minutes: float) -> AbstractContextManager[None]:
        return clock.pinned(start + timedelta(minutes=minutes))

    # The open ones are today's, minutes old, each within its answer target when the demo starts.
    with at(now, -6):
        new(0)  # draft: written, not sent yet
    with at(now, -4):
        services.send(puskesmas, new(1), both)  # an emergency waiting for both hospitals
    # Sent to the `hospital` account's hospital, which opened it minutes later and has not answered yet: FHIR Task
    # "received" (its copy's opened_at/opened_by, an "opened" timeline entry).
    with at(now, -14):
        received = new(10, urgency=UrgencyChoices.URGENT, bed_type=BedTypeChoices.CLASS_3, diagnoses=["K35"])
        services.send(puskesmas, received, [hospital_facility.pk])
    with at(now, -11):
        opened.record_opened(hospital, received)
    # The answered referrals were sent over the last month (Dinkes's per-day chart has more than today's bar), each
    # opened by the hospital and answered minutes after it was sent (Dinkes's response times have something to
    # show); the further a referral went, the longer ago it was sent.

    def day(days_ago: int) -> datetime:
        return now - timedelta(days=days_ago, hours=rng.uniform(1, 8))

    def answer(user: User, referral: Referral, start: datetime, minute: float, reason: str = "") -> None:
        """`user`'s hospital opens its copy a minute or two before it answers (accepts, or rejects for `reason`)."""
        with at(start, max(0.5, minute - rng.uniform(1, 2))):
            opened.record_opened(user, referral)
        with at(start, minute):
            if reason:
                services.reject(user, referral, reason)
            else:
                services.accept(user, referral)

    # Every hospital said no: an urgent referral goes to one hospital at a time; the first said no, the puskesmas
    # sent it on to the next, which answered after its 30-minute target, so the late answer was escalated to Dinkes
    # and the POC first (the worker's job, run here at that time).
    start = day(27)
    with at(start, 0):
        rejected = new(2, urgency=UrgencyChoices.URGENT, bed_type=BedTypeChoices.CLASS_3, diagnoses=["J18"])
        services.send(puskesmas, rejected, [other_facility.pk])
    first_answer = rng.uniform(4, 12)
    answer(other, rejected, start, first_answer, RejectReasonChoices.NO_BED)
    start += timedelta(minutes=first_answer + rng.uniform(1, 3))
    with at(start, 0):
        services.send(puskesmas, rejected, [hospital_facility.pk])
    with at(start, 31):
        services.escalate_overdue()
    answer(hospital, rejected, start, rng.uniform(34, 38), RejectReasonChoices.EQUIPMENT)
    steps = [
        [],
        [ReferralActionChoices.DEPART],
        [ReferralActionChoices.DEPART, ReferralActionChoices.ARRIVE],
        [ReferralActionChoices.DEPART, ReferralActionChoices.ARRIVE, ReferralActionChoices.ADMIT],
        [
            ReferralActionChoices.DEPART,
            ReferralActionChoices.ARRIVE,
            ReferralActionChoices.ADMIT,
            ReferralActionChoices.COMPLETE,
        ],
        [
            ReferralActionChoices.DEPART,
            ReferralActionChoices.ARRIVE,
            ReferralActionChoices.ADMIT,
            ReferralActionChoices.BACK_REFER,
        ],
    ]
    for offset, actions in enumerate(steps):
        start = day((1, 3, 8, 13, 18, 23)[offset])
        with at(start, 0):
            referral = new(
                3 + offset,
                maternal=offset == 2,
                diagnoses=["O14"] if offset == 2 else ["I21"],
                bed_type=BedTypeChoices.MATERNITY if offset == 2 else BedTypeChoices.ICU,
            )
            services.send(puskesmas, referral, both)
        minute = rng.uniform(4, 9)  # the hospital's answer: within the emergency target
        if offset == 3:
            # The case: one hospital says no (no specialist here), the other accepts.
            answer(other, referral, start, rng.uniform(1.5, 2), RejectReasonChoices.NO_SPECIALIST)
        answer(hospital, referral, start, minute)
        for action in actions:
            minute += rng.uniform(3, 9) if action != ReferralActionChoices.COMPLETE else rng.uniform(2, 5) * 24 * 60
            with at(start, minute):
                if action == ReferralActionChoices.DEPART:
                    transport = TransportChoices.AMBULANCE if offset % 2 else TransportChoices.OWN
                    services.depart(puskesmas, referral, transport)
                else:
                    note = "Kontrol ke puskesmas 1 minggu; obat diteruskan (demo)." if action == "back_refer" else ""
                    services.step(hospital, referral, action, note)
    start = day(10)
    with at(start, 0):
        cancelled = new(9, urgency=UrgencyChoices.ROUTINE, bed_type=BedTypeChoices.CLASS_3, diagnoses=["N18"])
        services.send(puskesmas, cancelled, [hospital_facility.pk])
    with at(start, 25):
        services.step(
            puskesmas, cancelled, ReferralActionChoices.CANCEL, "Pasien memilih berobat di tempat lain (demo)."
        )
    # The answers changed the beds "then": the hospitals' figures are current again, as the board expects.
    for facility, user in ((hospital_facility, hospital), (other_facility, other)):
        _current(facility, user)
    return SeedReport([f"Rujukan demo: {len(made)} (akun: puskesmas, hospital, hospital2; kata sandi akun demo)"])


SEED_STEPS = (
    SeedStep("primary-care-diagnoses", seed_primary_care, 27),
    SeedStep("demo-referrals", seed_demo_referrals, 250, demo=True),
)
