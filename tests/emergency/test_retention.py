"""PSC 119's retention through the worker's daily job: incidents with the crews' patient reports after 25 years
(medical records, like referrals), one an ambulance is still assigned to kept; crews' tap receipts and last positions after 90 days."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core import worker
from patriot.emergency import services
from patriot.emergency.models import Ambulance, CrewStepReceipt, Incident, IncidentEntry, PatientReport
from tests.emergency.conftest import details, make_ambulance
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("areas")

START = datetime.fromisoformat("2025-01-06T09:00:00+07:00")


def _retention() -> None:
    {job.name: job for job in worker.jobs()}["retention"].run()


def test_the_documented_periods_are_the_defaults() -> None:
    from django.conf import settings

    assert settings.PATRIOT_RETENTION_EMERGENCY_DAYS == settings.PATRIOT_RETENTION_REFERRALS_DAYS == 9131
    assert settings.PATRIOT_RETENTION_CREW_RECEIPTS_DAYS == settings.PATRIOT_RETENTION_CREW_POSITIONS_DAYS == 90


def test_finished_incidents_and_their_patient_reports_go_after_25_years(
    settings: Settings, call_taker: User, dispatcher: User
) -> None:
    settings.PATRIOT_RETENTION_EMERGENCY_DAYS = 9131
    with time_machine.travel(START, tick=False):
        finished = services.create_incident(call_taker, details())
        ambulance = make_ambulance("amb-lama")
        crew = make_user(Role.AMBULANCE_CREW, unit=ambulance.unit)
        services.move_ambulance(dispatcher, ambulance, "dispatch", incident=finished)
        for action in ("depart", "arrive"):
            services.move_ambulance(crew, ambulance, action)
        services.save_patient_report(crew, ambulance, services.Vitals(pulse=100, assessment="Fraktur"))
        for action in ("transport", "reach_hospital", "clear", "back_in_service"):
            services.move_ambulance(crew, ambulance, action)
        not_emergency = services.create_incident(call_taker, details())
        services.close_non_emergency(call_taker, not_emergency, "prank")
        still_worked = services.create_incident(call_taker, details())
        busy = make_ambulance("amb-sibuk")
        services.move_ambulance(dispatcher, busy, "dispatch", incident=still_worked)
    assert PatientReport.objects.filter(incident=finished).exists()

    with time_machine.travel(START + timedelta(days=9130), tick=False):
        _retention()
    assert Incident.objects.count() == 3 and PatientReport.objects.count() == 1

    with time_machine.travel(START + timedelta(days=9132), tick=False):
        _retention()
    assert list(Incident.objects.values_list("pk", flat=True)) == [still_worked.pk]
    assert not PatientReport.objects.exists()
    assert not IncidentEntry.objects.exclude(incident=still_worked).exists()
    assert Ambulance.objects.filter(pk=ambulance.pk).exists()  # the unit stays; only the records go


def test_tap_receipts_and_last_positions_go_after_90_days(
    settings: Settings, call_taker: User, dispatcher: User
) -> None:
    settings.PATRIOT_RETENTION_CREW_RECEIPTS_DAYS = 90
    settings.PATRIOT_RETENTION_CREW_POSITIONS_DAYS = 90
    ambulance = make_ambulance("amb-posisi")
    crew = make_user(Role.AMBULANCE_CREW, unit=ambulance.unit)
    idle = make_ambulance("amb-baru")
    with time_machine.travel(START, tick=False):
        incident = services.create_incident(call_taker, details())
        services.move_ambulance(dispatcher, ambulance, "dispatch", incident=incident)
        services.record_crew_step(crew, ambulance, "depart", key="old-tap-0001")
        services.share_position(crew, ambulance, -6.25, 107.0)
    with time_machine.travel(START + timedelta(days=80), tick=False):
        services.record_crew_step(crew, ambulance, "arrive", key="new-tap-0002")
        services.share_position(make_user(Role.AMBULANCE_CREW, unit=idle.unit), idle, -6.3, 107.01)

    with time_machine.travel(START + timedelta(days=91), tick=False):
        _retention()
    assert list(CrewStepReceipt.objects.values_list("key", flat=True)) == ["new-tap-0002"]
    ambulance.refresh_from_db()
    idle.refresh_from_db()
    assert (ambulance.last_latitude, ambulance.last_longitude, ambulance.last_position_at) == (None, None, None)
    assert (idle.last_latitude, idle.last_longitude) == (-6.3, 107.01)
    incident.refresh_from_db()
    assert incident.en_route_at == START and incident.on_scene_at is not None  # the record keeps its times


def test_zero_keeps_crew_data(settings: Settings, call_taker: User, dispatcher: User) -> None:
    settings.PATRIOT_RETENTION_CREW_RECEIPTS_DAYS = 0
    settings.PATRIOT_RETENTION_CREW_POSITIONS_DAYS = 0
    ambulance = make_ambulance("amb-simpan", last_latitude=-6.25, last_longitude=107.0, last_position_at=START)
    with time_machine.travel(START + timedelta(days=400), tick=False):
        _retention()
    ambulance.refresh_from_db()
    assert ambulance.last_latitude == -6.25
