"""core.workflow: a state machine declared as data, and the one helper for lock → act → timeline → event → commit."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import create_api_token
from patriot.callcentre import services as call_services
from patriot.callcentre.models import Call
from patriot.cases import services
from patriot.cases.choices import TimelineKindChoices
from patriot.cases.models import Case, TimelineEntry
from patriot.core import workflow
from patriot.core.errors import InvalidTransition
from patriot.events.models import OutboxEvent
from patriot.events.services import record_event
from tests.factories import load_areas, make_case, make_category, make_user

pytestmark = pytest.mark.django_db

DOOR = workflow.StateMachine(
    {
        "open": (frozenset({"closed"}), "open"),
        "close": (frozenset({"open"}), "closed"),
        "knock": (frozenset({"open", "closed"}), None),
    }
)


class Door:
    def __init__(self, state: str) -> None:
        self.state = state


def test_a_state_machine_is_data_it_lists_checks_and_moves() -> None:
    assert DOOR.allowed("closed") == ["open", "knock"]
    door = Door("closed")
    DOOR.check("open", door)
    assert DOOR.move(door, "open") == "closed" and door.state == "open"
    assert DOOR.move(door, "knock") == "open" and door.state == "open"
    with pytest.raises(InvalidTransition) as refused:
        DOOR.check("open", door)
    assert refused.value.status_code == 409 and refused.value.code == "invalid_transition"
    assert door.state == "open"


def test_the_case_workflow_is_a_core_state_machine_and_its_refusal_is_the_apis_409() -> None:
    load_areas()
    assert isinstance(services.MACHINE, workflow.StateMachine)
    assert services.MACHINE.transitions is services.TRANSITIONS
    case = make_case(make_category())
    token = create_api_token(make_user(RoleChoices.POC_OPERATOR), "test")[1]
    response = Client().post(
        f"/api/v1/cases/{case.tracking_number}/dispatch",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    expected = services.MACHINE.refusal("dispatch", case)
    assert response.json() == {"detail": expected.message, "code": "invalid_transition", "field": None}


def test_the_call_workflow_is_a_core_state_machine_with_its_own_refusals() -> None:
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    ringing = call_services.announce_call(caller_number="081234500001").call
    assert isinstance(call_services.MACHINE, workflow.StateMachine)
    with pytest.raises(InvalidTransition) as refused:
        call_services.end_call(ringing, by=operator, call_type="other")
    assert refused.value.code == "not_answered"
    call_services.answer_call(by=operator, call=ringing)
    with pytest.raises(InvalidTransition) as refused:
        call_services.answer_call(by=operator, call=ringing)
    assert refused.value.code == "already_answered"


def test_perform_commits_the_row_entry_and_event_together_and_updates_the_callers_instance() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = TimelineEntry.objects.count(), OutboxEvent.objects.count()
    with workflow.perform(case, machine=services.MACHINE, action="comment") as step:
        assert step.subject is not case
        step.subject.title = "Judul baru"
        step.subject.save(update_fields=["title"])
        services._write_entry(step.subject, TimelineKindChoices.COMMENTED, at=step.now, note="ok", is_public=False)
        assert case.title != "Judul baru"
    assert case.title == "Judul baru"
    assert (TimelineEntry.objects.count(), OutboxEvent.objects.count()) == (entries + 1, events + 1)


def test_perform_rolls_back_the_row_timeline_entry_and_event_when_the_step_fails() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = TimelineEntry.objects.count(), OutboxEvent.objects.count()
    with (
        pytest.raises(RuntimeError, match="after the event"),
        workflow.perform(case, machine=services.MACHINE, action="comment") as step,
    ):
        step.subject.title = "Judul baru"
        step.subject.save(update_fields=["title"])
        services._write_entry(step.subject, TimelineKindChoices.COMMENTED, at=step.now, note="x", is_public=False)
        raise RuntimeError("after the event")
    assert Case.objects.get(pk=case.pk).title != "Judul baru"
    assert case.title != "Judul baru"
    assert (TimelineEntry.objects.count(), OutboxEvent.objects.count()) == (entries, events)


def test_perform_refuses_an_illegal_move_before_the_caller_acts() -> None:
    load_areas()
    case = make_case(make_category())
    acted = mock.Mock()
    with pytest.raises(InvalidTransition), workflow.perform(case, machine=services.MACHINE, action="resolve"):
        acted()
    acted.assert_not_called()


def test_a_failing_event_rolls_back_a_calls_step() -> None:
    operator = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    call = call_services.announce_call(caller_number="081234500002").call
    events = OutboxEvent.objects.count()
    with (
        mock.patch("patriot.callcentre.services.record_event", side_effect=RuntimeError("outbox down")),
        pytest.raises(RuntimeError, match="outbox down"),
    ):
        call_services.answer_call(by=operator, call=call)
    assert Call.objects.get(pk=call.pk).state == "ringing" and call.state == "ringing"
    assert OutboxEvent.objects.count() == events
    # The real recorder, for contrast: the same step commits with its event.
    assert record_event is call_services.record_event
    call_services.answer_call(by=operator, call=call)
    assert call.state == "active" and OutboxEvent.objects.count() == events + 1
