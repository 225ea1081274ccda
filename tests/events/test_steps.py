"""events.steps: one step of any app — lock → act → timeline entry → outbox event → commit — in one helper."""

from __future__ import annotations

from typing import Any

import pytest

from patriot.cases.models import Case, TimelineEntry
from patriot.core import clock, workflow
from patriot.core.errors import InvalidTransition
from patriot.events import steps
from patriot.events.models import OutboxEvent
from tests.factories import load_areas, make_agency, make_case, make_category

pytestmark = pytest.mark.django_db

# A new app's workflow: the case table stands in for its subject, the case timeline for its entries.
MACHINE = steps.StateMachine(
    {"acknowledge": (frozenset({"submitted"}), "verified"), "close": (frozenset({"done"}), None)}
)


def _counts() -> tuple[int, int]:
    return TimelineEntry.objects.count(), OutboxEvent.objects.count()


def _log(step: steps.Step[Case], previous: str, **extra: Any) -> TimelineEntry:
    return steps.log(
        TimelineEntry,
        at=step.now,
        event="incident.acknowledged",
        subject_type="incident",
        subject_id=step.subject.tracking_number,
        payload=lambda entry: {"entry": entry.pk, "state": step.subject.state},
        agency_id=step.subject.agency_id,
        unit_id=None,
        case=step.subject,
        kind="verified",
        from_state=previous,
        to_state=step.subject.state,
        note="diterima",
        **extra,
    )


def test_the_helpers_are_the_cores_workflow() -> None:
    assert steps.perform is workflow.perform and steps.StateMachine is workflow.StateMachine
    assert steps.lock is workflow.lock and steps.Step is workflow.Step


def test_a_step_writes_exactly_one_entry_and_one_event_and_updates_the_callers_instance() -> None:
    load_areas()
    agency = make_agency()
    case = make_case(make_category(default_agency=agency))
    assert case.state == "submitted"
    entries, events = _counts()
    with steps.perform(case, machine=MACHINE, action="acknowledge") as step:
        previous = MACHINE.move(step.subject, "acknowledge")
        step.subject.agency = agency
        step.subject.save(update_fields=["state", "agency"])
        entry = _log(step, previous, is_public=False)
    assert case.state == "verified" and Case.objects.get(pk=case.pk).state == "verified"
    assert _counts() == (entries + 1, events + 1)
    saved = TimelineEntry.objects.get(pk=entry.pk)
    assert (saved.case_id, saved.kind, saved.from_state, saved.to_state, saved.note, saved.is_public) == (
        case.pk,
        "verified",
        "submitted",
        "verified",
        "diterima",
        False,
    )
    assert saved.created_at == step.now
    event = OutboxEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.kind, event.subject_type, event.subject_id, event.created_at) == (
        "incident.acknowledged",
        "incident",
        case.tracking_number,
        step.now,
    )
    assert event.payload == {"entry": entry.pk, "state": "verified"}
    assert (event.agency_id, event.team_id, event.unit_id, event.is_public) == (agency.pk, None, None, False)


def test_a_step_whose_act_raises_leaves_no_entry_no_event_and_no_change() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = _counts()
    with (
        pytest.raises(RuntimeError, match="act failed"),
        steps.perform(case, machine=MACHINE, action="acknowledge") as step,
    ):
        previous = MACHINE.move(step.subject, "acknowledge")
        step.subject.save(update_fields=["state"])
        _log(step, previous)
        raise RuntimeError("act failed")
    assert _counts() == (entries, events)
    assert case.state == "submitted" and Case.objects.get(pk=case.pk).state == "submitted"


def test_a_failing_event_takes_the_entry_with_it() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = _counts()

    def outbox_down(**kwargs: Any) -> OutboxEvent:
        raise RuntimeError("outbox down")

    with pytest.raises(RuntimeError, match="outbox down"), steps.perform(case) as step:
        _log(step, case.state, record=outbox_down)
    assert _counts() == (entries, events)


def test_an_illegal_move_is_refused_with_409_before_anything_is_written() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = _counts()
    with pytest.raises(InvalidTransition) as refused, steps.perform(case, machine=MACHINE, action="close") as step:
        _log(step, case.state)
    assert refused.value.status_code == 409 and refused.value.code == "invalid_transition"
    assert _counts() == (entries, events)


@pytest.mark.django_db(transaction=True)
def test_log_outside_a_step_writes_nothing() -> None:
    load_areas()
    case = make_case(make_category())
    entries, events = _counts()
    step = steps.Step(subject=case, now=clock.now())
    with pytest.raises(RuntimeError, match="inside its transaction"):
        _log(step, case.state)
    assert _counts() == (entries, events)
