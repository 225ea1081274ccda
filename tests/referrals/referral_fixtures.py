"""Shared setup of the referral tests: a puskesmas, three hospitals at known distances with ICU beds, their staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock
from patriot.referrals import services
from patriot.referrals.models import BedCount, Facility, Referral
from patriot.referrals.services import ReferralDetails
from tests.factories import make_agency, make_user

# A woman born 3 March 1990: day 03 + 40 = 43.
NIK = "3275014303900007"
BORN = date(1990, 3, 3)


def facility(code: str, kind: str, lat: float, lon: float) -> Facility:
    unit = OrganisationUnit.objects.create(kind=kind, code=code, name=code.upper(), latitude=lat, longitude=lon)
    return Facility.objects.create(unit=unit, services=["icu"])


def icu(hospital: Facility, total: int = 5, occupied: int = 3) -> BedCount:
    return BedCount.objects.create(
        facility=hospital, bed_type="icu", total=total, occupied=occupied, updated_at=clock.now()
    )


@dataclass
class World:
    puskesmas: Facility
    near: Facility
    far: Facility
    other: Facility
    referrer: User
    near_staff: User
    far_staff: User
    other_staff: User
    other_puskesmas_staff: User
    dinkes: User


def world() -> World:
    puskesmas = facility("pkm-a", UnitKindChoices.PUSKESMAS, -6.28, 106.91)
    other_pkm = facility("pkm-b", UnitKindChoices.PUSKESMAS, -6.20, 107.00)
    near = facility("rs-near", UnitKindChoices.HOSPITAL, -6.29, 106.92)
    far = facility("rs-far", UnitKindChoices.HOSPITAL, -6.24, 107.00)
    other = facility("rs-other", UnitKindChoices.HOSPITAL, -6.26, 106.99)
    for hospital in (near, far, other):
        icu(hospital)
    staff = RoleChoices.HOSPITAL_STAFF
    return World(
        puskesmas=puskesmas,
        near=near,
        far=far,
        other=other,
        referrer=make_user(staff, username="pkm-staff", unit=puskesmas.unit),
        near_staff=make_user(staff, username="near-staff", unit=near.unit),
        far_staff=make_user(staff, username="far-staff", unit=far.unit),
        other_staff=make_user(staff, username="other-staff", unit=other.unit),
        other_puskesmas_staff=make_user(staff, username="pkm-b-staff", unit=other_pkm.unit),
        dinkes=make_user(RoleChoices.HEALTH_OFFICER, username="dinkes-1", agency=make_agency("dinkes")),
    )


def details(**overrides: object) -> ReferralDetails:
    values: dict[str, object] = {
        "patient_name": "Sari Wulandari",
        "nik": NIK,
        "birth_date": BORN,
        "sex": "female",
        "relative_phone": "0812-3456-7890",
        "reason": "Penurunan kesadaran, curiga stroke",
        "diagnoses": ["i63", "I10"],
        "consciousness": "voice",
        "gcs": 11,
        "systolic": 190,
        "diastolic": 110,
        "pulse": 96,
        "respiratory_rate": 24,
        "spo2": 93,
        "bed_type": "icu",
        "urgency": "emergency",
        "referring_doctor": "dr. Ani",
        "primary_care_acknowledged": True,
    }
    values.update(overrides)
    return ReferralDetails(**values)  # type: ignore[arg-type]


def sent(w: World, *hospitals: Facility, **overrides: object) -> Referral:
    """A referral of the world's puskesmas, created and sent to `hospitals`."""
    referral = services.create_referral(w.referrer, details(**overrides))
    services.send(w.referrer, referral, [h.pk for h in hospitals])
    return referral


def outsiders(w: World) -> list[User]:
    """Users who must not read a referral sent to `w.near`: the other hospitals' and puskesmas' staff, and the
    POC, the mayor and a citizen."""
    return [
        w.far_staff,
        w.other_staff,
        w.other_puskesmas_staff,
        make_user(RoleChoices.POC_OPERATOR),
        make_user(RoleChoices.MAYOR),
        make_user(RoleChoices.CITIZEN),
    ]
