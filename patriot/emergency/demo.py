"""PSC 119's demo data for `seed --demo`: the PSC and its ambulances (data/ambulances.csv: stations at the PSC, RSUDs and
puskesmas of Kota Bekasi, points from /work/shared/bekasi/health_facilities.csv; the PSC has no public point, so it
is placed beside RSUD dr. Chasbullah Abdulmadjid, marked as assumed), then a week of incidents worked
through the services at realistic times (call → dispatch 1–3 min, drive 6–18 min, on scene 10–20 min, to hospital
8–20 min, handover 10–25 min), a few still on the board, and the PSC demo accounts placed in the PSC."""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.callcentre.choices import CallStateChoices
from patriot.callcentre.lines import psc_lines
from patriot.callcentre.models import Call
from patriot.callcentre.services import normalise_number
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.emergency import services
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.models import Ambulance, Incident
from patriot.geo.models import Village

DATA = Path(__file__).resolve().parent / "data" / "ambulances.csv"
PSC_CODE = "psc-119-kota-bekasi"
PSC_NAME = "PSC 119 Kota Bekasi"


def load_ambulances() -> int:
    """The PSC, each station (an ambulance_station under its PSC / hospital / puskesmas unit) and each ambulance,
    created when missing (a facility unit the referrals seed made is reused: same kind and slug). Returns how many
    ambulances were new."""
    created = 0
    with DATA.open(encoding="utf-8") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            lat, lon = float(row["latitude"]), float(row["longitude"])
            kind = row["station_kind"]
            code = PSC_CODE if kind == UnitKindChoices.PSC_CENTRE else slugify(row["station_name"])
            home, _new = OrganisationUnit.objects.get_or_create(
                kind=kind, code=code, defaults={"name": row["station_name"], "latitude": lat, "longitude": lon}
            )
            if home.latitude is None:
                home.latitude, home.longitude = lat, lon
                home.save(update_fields=["latitude", "longitude"])
            station, _new = OrganisationUnit.objects.get_or_create(
                kind=UnitKindChoices.AMBULANCE_STATION,
                code=f"pos-{code}"[:60],
                defaults={
                    "name": f"Pos ambulans {row['station_name']}",
                    "parent": home,
                    "latitude": lat,
                    "longitude": lon,
                },
            )
            unit, _new = OrganisationUnit.objects.get_or_create(
                kind=UnitKindChoices.AMBULANCE_UNIT, code=row["code"], defaults={"name": row["name"], "parent": station}
            )
            _ambulance, new = Ambulance.objects.get_or_create(
                unit=unit,
                defaults={
                    "ambulance_type": row["ambulance_type"],
                    "crew_skills": row["crew_skills"].split(";"),
                    "radio_channel": row["radio_channel"],
                },
            )
            created += new
    return created


def seed_ambulances() -> SeedReport:
    new = load_ambulances()
    return SeedReport([f"Ambulans PSC 119: {Ambulance.objects.count()} ({new} baru)"])


# (complaint, conscious, breathing normally, severe bleeding, age band)
CALLS = [
    ("chest_pain", "yes", "yes", "no", "elderly"),
    ("traffic_accident", "yes", "yes", "yes", "adult"),
    ("breathing_problem", "yes", "no", "no", "elderly"),
    ("fall", "yes", "yes", "no", "elderly"),
    ("stroke_signs", "yes", "yes", "no", "elderly"),
    ("seizure", "yes", "yes", "no", "child"),
    ("pregnancy_labour", "yes", "yes", "no", "adult"),
    ("traffic_accident", "yes", "yes", "no", "adult"),
    ("unconscious", "no", "yes", "no", "adult"),
    ("burn", "yes", "yes", "no", "child"),
    ("poisoning", "yes", "yes", "no", "child"),
    ("bleeding_trauma", "yes", "yes", "yes", "adult"),
    ("other", "yes", "yes", "no", "adult"),
]
NON_EMERGENCY = ["information", "prank", "wrong_number", "information", "prank"]


def _demo_accounts(psc: OrganisationUnit) -> None:
    User.objects.filter(role__in=(RoleChoices.PSC_CALL_TAKER, RoleChoices.PSC_DISPATCHER), unit=None).update(unit=psc)
    crew_unit = OrganisationUnit.objects.filter(kind=UnitKindChoices.AMBULANCE_UNIT, code="amb-psc-01").first()
    User.objects.filter(role=RoleChoices.AMBULANCE_CREW, unit=None).update(unit=crew_unit)


def _near(rng: random.Random, lat: float, lon: float) -> tuple[float, float]:
    return lat + rng.uniform(-0.004, 0.004), lon + rng.uniform(-0.004, 0.004)


def _run(
    rng: random.Random, dispatcher: User, incident: Incident, unit: Ambulance, start: datetime, *, until: str = ""
) -> None:
    """Work one run through the services at plausible minutes; stop after the step `until` when given.

    The incident's own state after dispatch follows the crew's steps once emergency.services moves it; until
    then (and harmlessly after) the demo sets the state the run reached."""
    at = start
    steps = [
        ("dispatch", rng.randint(60, 180)),
        ("depart", rng.randint(30, 90)),
        ("arrive", rng.randint(360, 1080)),
        ("transport", rng.randint(600, 1200)),
        ("reach_hospital", rng.randint(480, 1200)),
        ("clear", rng.randint(600, 1500)),
        ("back_in_service", rng.randint(600, 1500)),
    ]
    for action, seconds in steps:
        at = at + timedelta(seconds=seconds)
        with clock.pinned(at):
            if action == "dispatch":
                services.dispatch_units(dispatcher, incident, [unit.pk])
            else:
                services.move_ambulance(dispatcher, unit, action)
        if action == until:
            break
    reached = {"arrive": State.ON_SCENE, "transport": State.TRANSPORTING, "": State.CLOSED}.get(until)
    if reached is not None:
        Incident.objects.filter(pk=incident.pk, state__in=State.ACTIVE).update(
            state=reached, closed_at=at if reached == State.CLOSED else None
        )


def seed_demo_incidents() -> SeedReport:
    psc = OrganisationUnit.objects.get(kind=UnitKindChoices.PSC_CENTRE, code=PSC_CODE)
    _demo_accounts(psc)
    call_taker = User.objects.filter(role=RoleChoices.PSC_CALL_TAKER).first()
    dispatcher = User.objects.filter(role=RoleChoices.PSC_DISPATCHER).first()
    if call_taker is None or dispatcher is None:
        return SeedReport(["Insiden PSC 119: tidak ada akun PSC"])
    rng = random.Random(119)
    villages = list(Village.objects.values_list("centroid_lat", "centroid_lon"))
    ambulances = list(Ambulance.objects.select_related("unit"))
    now = clock.now()
    count = 0
    with transaction.atomic():
        # A week of history, about six calls a day, every run completed.
        for n in range(42):
            received = now - timedelta(days=7) + timedelta(hours=n * 3.5 + rng.uniform(0, 2))
            if n % 7 == 3:
                with clock.pinned(received + timedelta(seconds=rng.randint(20, 60))):
                    services.record_non_emergency_call(
                        call_taker, NON_EMERGENCY[n % len(NON_EMERGENCY)], call_received_at=received
                    )
                continue
            incident = _incident(rng, call_taker, villages, received, CALLS[n % len(CALLS)])
            unit = rng.choice([a for a in ambulances if a.status == Status.AVAILABLE])
            _run(rng, dispatcher, incident, unit, incident.created_at)
            count += 1
        # On the board now: a P1 under way, a unit on scene, one still waiting. The demo crew's own unit (the
        # `ambulance` account's) stays free, at its post: a new call near the PSC gets it suggested, so a tester
        # can work the run on the crew's phone.
        crew_units = set(
            User.objects.filter(role=RoleChoices.AMBULANCE_CREW, unit__isnull=False).values_list("unit_id", flat=True)
        )
        for minutes_ago, call, until in (
            (9, CALLS[0], "depart"),
            (31, CALLS[7], "arrive"),
            (3, CALLS[3], ""),
        ):
            received = now - timedelta(minutes=minutes_ago)
            incident = _incident(rng, call_taker, villages, received, call)
            if until:
                unit = next(a for a in ambulances if a.status == Status.AVAILABLE and a.unit_id not in crew_units)
                _run(rng, dispatcher, incident, unit, incident.created_at, until=until)
            count += 1
        for ambulance in ambulances:
            ambulance.refresh_from_db()
            if ambulance.incident_id is None:
                continue
            target = Incident.objects.get(pk=ambulance.incident_id)
            ambulance.last_latitude, ambulance.last_longitude = _near(rng, target.latitude or 0, target.longitude or 0)
            ambulance.last_position_at = now
            ambulance.save(update_fields=["last_latitude", "last_longitude", "last_position_at"])
    return SeedReport([f"Insiden PSC 119: {count} demo"])


def _incident(
    rng: random.Random, call_taker: User, villages: list[tuple[float, float]], received: datetime, call: tuple[str, ...]
) -> Incident:
    complaint, conscious, breathing, bleeding, age = call
    lat, lon = _near(rng, *rng.choice(villages))
    number = f"0812{rng.randint(10000000, 99999999)}"
    created = received + timedelta(seconds=rng.randint(40, 110))
    # The PSC's phone system logged the call (its hook rang it, the call taker picked it up a few seconds later),
    # so the interval report has the answer and logging intervals a live PSC has; a typed call has neither.
    answered = received + timedelta(seconds=rng.randint(3, 15))
    ended = created + timedelta(seconds=rng.randint(30, 240))
    phone_call = Call.objects.create(
        operator=call_taker,
        caller_number=normalise_number(number),
        line=psc_lines()[0],
        state=CallStateChoices.ENDED,
        rung_at=received,
        started_at=answered,
        ended_at=ended,
        duration_seconds=int((ended - answered).total_seconds()),
        created_at=received,
    )
    with clock.pinned(created):
        return services.create_incident(
            call_taker,
            services.CallDetails(
                complaint=complaint,
                conscious=conscious,
                breathing_normally=breathing,
                severe_bleeding=bleeding,
                age_band=age,
                caller_number=number,
                caller_name="",
                latitude=lat,
                longitude=lon,
                address="(demo)",
                phone_call=phone_call,
            ),
        )


def no_incidents_yet() -> bool:
    return not Incident.objects.exists()


SEED_STEPS = (
    SeedStep("demo-ambulances", seed_ambulances, 120, demo=True),
    SeedStep("demo-incidents", seed_demo_incidents, 250, demo=True, needed=no_incidents_yet),
)
