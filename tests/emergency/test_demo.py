"""The PSC 119 demo: a week of runs and three incidents on the board now, with the demo crew's own ambulance left
free at its post, so a tester's new call can be sent to it and worked on the crew's phone (issue 11's check)."""

from __future__ import annotations

import pytest

from patriot.accounts.choices import RoleChoices
from patriot.emergency import demo
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.models import Ambulance, Incident
from patriot.geo.lookup import reset_area_index
from tests.factories import load_areas, make_user

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_the_crew_accounts_ambulance_free() -> None:
    load_areas()
    reset_area_index()
    make_user(RoleChoices.PSC_CALL_TAKER, username="psc_calltaker")
    make_user(RoleChoices.PSC_DISPATCHER, username="psc_dispatcher")
    crew = make_user(RoleChoices.AMBULANCE_CREW, username="ambulance")
    demo.load_ambulances()
    demo.seed_demo_incidents()
    crew.refresh_from_db()
    own = Ambulance.objects.get(unit=crew.unit)
    assert own.status == Status.AVAILABLE and own.incident_id is None
    # The board still has a unit under way and one on scene, and an incident waiting.
    busy = Ambulance.objects.exclude(status=Status.AVAILABLE)
    assert sorted(busy.values_list("status", flat=True)) == [Status.EN_ROUTE, Status.ON_SCENE]
    assert Incident.objects.filter(state="open").count() == 1


def test_the_demo_calls_come_through_the_phone_system_so_every_interval_of_the_report_has_figures() -> None:
    from datetime import timedelta

    from patriot.core import clock
    from patriot.emergency import intervals

    load_areas()
    reset_area_index()
    make_user(RoleChoices.PSC_CALL_TAKER, username="psc_calltaker")
    make_user(RoleChoices.PSC_DISPATCHER, username="psc_dispatcher")
    demo.load_ambulances()
    demo.seed_demo_incidents()
    incidents = Incident.objects.exclude(complaint="")
    assert incidents.exists()
    for incident in incidents.select_related("phone_call"):
        call = incident.phone_call
        assert call is not None and call.line == "119" and call.operator_id == incident.call_taker_id
        assert incident.call_received_at == call.rung_at < incident.call_answered_at == call.started_at
        assert incident.call_answered_at < incident.created_at
    now = clock.now()
    report = intervals.report(now - timedelta(days=8), now + timedelta(minutes=1))
    city = report.overall.figures
    assert city["answer"].count > 0 and city["logging"].count > 0
    assert 3 <= city["answer"].median <= 15 and city["logging"].median <= 110
