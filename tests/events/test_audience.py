"""events.audience: a forward reaches the agency a case leaves and the one it reaches; an event type nobody
registered (core.registry) reaches nobody."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from patriot.accounts.choices import RoleChoices as Role
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices as State
from patriot.core import registry
from patriot.events import visibility
from patriot.events.audience import may_receive, may_receive_public, public_payload
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event
from tests.factories import case_through, make_agency, make_category, make_team, staff


@pytest.mark.django_db
def test_a_forward_reaches_the_agency_it_left_and_the_one_it_reached_only(areas: None) -> None:
    origin, target, bystander = make_agency(), make_agency(), make_agency()
    case = case_through(State.DISPATCHED, category=make_category(default_agency=origin))
    services.forward_case(case, by=staff(Role.AGENCY_ADMIN, agency=origin), agency=target, reason="Bukan wewenang kami")
    forwarded = OutboxEvent.objects.get(kind="case.forwarded")
    assert may_receive(staff(Role.AGENCY_OFFICER, agency=origin), forwarded)
    assert may_receive(staff(Role.AGENCY_OFFICER, agency=target), forwarded)
    assert not may_receive(staff(Role.AGENCY_OFFICER, agency=bystander), forwarded)
    # Later events of the case are the new agency's only.
    services.comment_case(case, by=staff(Role.AGENCY_ADMIN, agency=target), note="Diterima")
    later = OutboxEvent.objects.filter(kind="case.commented").latest("id")
    assert not may_receive(staff(Role.AGENCY_OFFICER, agency=origin), later)


@pytest.mark.django_db
def test_an_event_type_nobody_registered_reaches_no_role_no_agency_and_not_the_public() -> None:
    assert registry.event_type("area") is None
    agency = make_agency()
    team = make_team(agency)
    with transaction.atomic():
        event = record_event(
            kind="area.alert",
            subject_type="area",
            subject_id="32.75.01",
            at=datetime.now(UTC),
            payload={"village": "Margahayu", "kind": "area.alert"},
            agency_id=agency.pk,
            team_id=team.pk,
            is_public=True,
        )
    for role in Role.values():
        assert not may_receive(staff(role, agency=agency, team=team), event), role
    assert not may_receive_public(event)
    assert visibility.public_now([event]) == set()
    assert public_payload(event) == {}


@pytest.mark.django_db
def test_call_events_reach_the_call_centre_and_the_system_admin_only() -> None:
    with transaction.atomic():
        event = record_event(
            kind="call.incoming", subject_type="call", subject_id="1", at=datetime.now(UTC), payload={}, is_public=True
        )
    receivers = {role for role in Role.values() if may_receive(staff(role), event)}
    assert receivers == {Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN}
    assert not may_receive_public(event)
    assert visibility.public_now([event]) == set()
