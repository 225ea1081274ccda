"""Demo data for the crew's phone page: the `ambulance` demo account becomes the crew of one demo ambulance
(unless it is already the crew of one), and the `hospital` demo account, when in no unit yet, joins the first
hospital so it sees the ambulances coming in. Idempotent (get_or_create by unit code); sends nothing."""

from __future__ import annotations

from django.db import transaction

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core.registry import SeedReport, SeedStep
from patriot.emergency.choices import AmbulanceTypeChoices, CrewSkillChoices
from patriot.emergency.models import Ambulance

STATION_CODE = "pos-ambulans-psc-119"
UNIT_CODE = "ambulans-kru-demo"
# Near the city hall (Jl. Ir. H. Juanda), where the PSC's post is in the demo.
POINT = (-6.2383, 106.9946)


@transaction.atomic
def seed_crew_demo() -> SeedReport:
    lines = []
    crew = User.objects.filter(username="ambulance").select_related("unit").first()
    if crew is not None and not (crew.unit is not None and Ambulance.objects.filter(unit=crew.unit).exists()):
        station, _new = OrganisationUnit.objects.get_or_create(
            kind=UnitKindChoices.AMBULANCE_STATION,
            code=STATION_CODE,
            defaults={"name": "Pos Ambulans PSC 119", "latitude": POINT[0], "longitude": POINT[1]},
        )
        unit, _new = OrganisationUnit.objects.get_or_create(
            kind=UnitKindChoices.AMBULANCE_UNIT,
            code=UNIT_CODE,
            defaults={"name": "Ambulans PSC 119-K1", "parent": station, "latitude": POINT[0], "longitude": POINT[1]},
        )
        Ambulance.objects.get_or_create(
            unit=unit,
            defaults={
                "ambulance_type": AmbulanceTypeChoices.EMERGENCY,
                "crew_skills": [CrewSkillChoices.DRIVER, CrewSkillChoices.NURSE, CrewSkillChoices.BLS],
                "plate_number": "B 1191 KRU",
                "last_latitude": POINT[0],
                "last_longitude": POINT[1],
            },
        )
        User.objects.filter(pk=crew.pk).update(unit=unit)
        lines.append(f"Akun demo 'ambulance': kru {unit.name}")
    hospital_user = User.objects.filter(username="hospital", unit__isnull=True).first()
    hospital = OrganisationUnit.objects.filter(kind=UnitKindChoices.HOSPITAL, is_active=True).order_by("name").first()
    if hospital_user is not None and hospital is not None:
        User.objects.filter(pk=hospital_user.pk).update(unit=hospital)
        lines.append(f"Akun demo 'hospital': {hospital.name}")
    return SeedReport(lines)


SEED_STEP = SeedStep("emergency-crew-demo", seed_crew_demo, 262, demo=True)
