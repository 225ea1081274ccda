"""The dispatcher's steps: send one or more units to an incident in one action, and re-route a unit from an incident
of a lower priority.

`dispatch_units` is one transaction for the incident: every unit is locked (in id order, so two dispatchers never
deadlock), each must still be AVAILABLE or RETURNING, else nothing is written and the dispatcher gets a 409 naming
the unit; each unit's DISPATCH step is emergency.services.move_ambulance (its own timeline entry and event), and
the incident moves OPEN → DISPATCHED (or records the added units) with its own entry and event.

`reroute_ambulance` moves a DISPATCHED or EN_ROUTE unit from its incident to one of a higher priority (P1 before
P2 before P3 before P0), with a timeline entry on both incidents and the ambulance; the incident it leaves goes
back to OPEN when no other unit is on it, so the board shows it waiting again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.core import clock, workflow
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.core.workflow import StateMachine
from patriot.emergency.choices import AmbulanceActionChoices as Action
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.choices import TriageLevelChoices as Level
from patriot.emergency.dispatch import LEVEL_RANK, REROUTABLE_STATUSES
from patriot.emergency.events import AMBULANCE_SUBJECT
from patriot.emergency.models import Ambulance, AmbulanceEntry, Incident, IncidentEntry
from patriot.emergency.services.incidents import (
    ADD_UNITS,
    AMBULANCE_MACHINE,
    DISPATCH_INCIDENT,
    INCIDENT_MACHINE,
    UNIT_WITHDRAWN,
    claim_call,
    incident_event,
    move_ambulance,
)
from patriot.events.services import record_event

REROUTE = "reroute"
# A re-route keeps the unit's status (it is still dispatched, or still driving); only these statuses allow it.
REROUTE_MACHINE = StateMachine(
    {REROUTE: (REROUTABLE_STATUSES, None)},
    refusal=lambda action, ambulance: InvalidTransition(
        _("Ambulans %(unit)s berstatus %(status)s dan tidak dapat dialihkan.")
        % {"unit": ambulance.unit.name, "status": Status.label(ambulance.status)},
        code="unit_unavailable",
    ),
    field="status",
)

MAX_UNITS_PER_ACTION = 10


def _entry(incident: Incident, kind: str, user: User, previous: str, at: Any, **data: Any) -> None:
    IncidentEntry.objects.create(
        incident=incident,
        kind=kind,
        actor=user,
        from_state=previous,
        to_state=incident.state,
        data=data,
        is_public=False,
        created_at=at,
    )


def _unavailable(ambulance: Ambulance) -> InvalidTransition:
    return InvalidTransition(
        _("Ambulans %(unit)s sudah tidak siaga (%(status)s). Muat ulang saran unit.")
        % {"unit": ambulance.unit.name, "status": Status.label(ambulance.status)},
        code="unit_unavailable",
    )


def dispatch_units(user: User, incident: Incident, ambulance_ids: Sequence[int]) -> list[Ambulance]:
    """Send the units to the incident, all or none (see the module's doc). Returns the dispatched units."""
    ids = sorted({int(pk) for pk in ambulance_ids})
    if not ids:
        raise InvalidInput(_("Pilih minimal satu ambulans."), code="required", field="ambulances")
    if len(ids) > MAX_UNITS_PER_ACTION:
        raise InvalidInput(_("Terlalu banyak ambulans dalam satu tindakan."), code="invalid", field="ambulances")
    with transaction.atomic():
        units = list(
            Ambulance.objects.select_for_update(of=("self",)).select_related("unit").filter(pk__in=ids).order_by("pk")
        )
        if len(units) != len(ids):
            raise InvalidInput(_("Ambulans tidak ditemukan."), code="not_found", field="ambulances")
        for unit in units:
            if not AMBULANCE_MACHINE.allows(Action.DISPATCH, unit.status):
                raise _unavailable(unit)
        locked = workflow.lock(incident)
        if locked.state not in State.ACTIVE:
            INCIDENT_MACHINE.check(DISPATCH_INCIDENT, locked)
        now = clock.now()
        for unit in units:
            if unit.status == Status.RETURNING and unit.incident_id is not None:
                # Sent again on its way back: the run it leaves ends here.
                Incident.objects.filter(pk=unit.incident_id, back_in_service_at__isnull=True).update(
                    back_in_service_at=now
                )
            move_ambulance(user, unit, Action.DISPATCH, incident=locked)
        locked = workflow.lock(incident)  # move_ambulance stamped dispatched_at on its own copy
        action = DISPATCH_INCIDENT if locked.state == State.OPEN else ADD_UNITS
        previous = INCIDENT_MACHINE.move(locked, action)
        locked.save(update_fields=["state", *claim_call(locked, user)])
        _entry(locked, action, user, previous, now, units=ids)
        incident_event(locked, action, now, units=ids)
    workflow.copy_fields(incident, locked)
    return units


def reroute_ambulance(user: User, ambulance: Ambulance, incident: Incident) -> None:
    """Move a DISPATCHED or EN_ROUTE unit from its incident to `incident`, which must be of a higher priority."""
    with workflow.perform(ambulance, machine=REROUTE_MACHINE, action=REROUTE, related=("unit",)) as step:
        unit = step.subject
        if unit.incident_id is None or unit.incident_id == incident.pk:
            raise InvalidTransition(
                _("Ambulans %(unit)s tidak sedang menuju insiden lain.") % {"unit": unit.unit.name},
                code="unit_unavailable",
            )
        # Lock both incidents in id order.
        first, second = sorted([unit.incident_id, incident.pk])
        locked = {pk: Incident.objects.select_for_update(of=("self",)).get(pk=pk) for pk in (first, second)}
        old, new = locked[unit.incident_id], locked[incident.pk]
        if new.state not in State.ACTIVE:
            raise InvalidTransition(
                _("Insiden %(number)s sudah ditutup.") % {"number": new.number}, code="incident_closed"
            )
        if LEVEL_RANK.get(old.level, 4) <= LEVEL_RANK.get(new.level, 4):
            raise InvalidTransition(
                _("Insiden %(old)s (%(old_level)s) tidak lebih rendah prioritasnya dari %(new)s (%(new_level)s).")
                % {
                    "old": old.number,
                    "old_level": Level.label(old.level),
                    "new": new.number,
                    "new_level": Level.label(new.level),
                },
                code="not_lower_priority",
            )
        now = step.now
        if claim_call(new, user):
            new.save(update_fields=["call_taker"])
        unit.incident = new
        unit.status_changed_at = now
        unit.save(update_fields=["incident", "status_changed_at"])
        AmbulanceEntry.objects.create(
            ambulance=unit,
            incident=new,
            kind=REROUTE,
            actor=user,
            from_state=unit.status,
            to_state=unit.status,
            data={"from_incident": old.pk, "to_incident": new.pk},
            is_public=False,
            created_at=now,
        )
        record_event(
            kind=REROUTE,
            subject_type=AMBULANCE_SUBJECT,
            subject_id=str(unit.pk),
            at=now,
            payload={"status": unit.status, "from": unit.status, "incident": new.pk, "from_incident": old.pk},
        )
        # The incident it leaves: back to waiting when no other unit is on it.
        left_alone = not Ambulance.objects.filter(incident=old).exclude(pk=unit.pk).exists()
        previous = old.state
        if left_alone and INCIDENT_MACHINE.allows(UNIT_WITHDRAWN, old.state):
            INCIDENT_MACHINE.move(old, UNIT_WITHDRAWN)
            old.save(update_fields=["state"])
        _entry(old, "unit_rerouted_away", user, previous, now, unit=unit.pk, to_incident=new.pk)
        incident_event(old, "unit_rerouted_away", now, unit=unit.pk)
        # The incident it goes to: dispatched now, and under way if the unit already was.
        action = DISPATCH_INCIDENT if new.state == State.OPEN else ADD_UNITS
        previous = INCIDENT_MACHINE.move(new, action)
        stamps = ["state"]
        if new.dispatched_at is None:
            new.dispatched_at = now
            new.first_ambulance = unit
            stamps += ["dispatched_at", "first_ambulance"]
        if unit.status == Status.EN_ROUTE and new.en_route_at is None:
            new.en_route_at = now
            stamps.append("en_route_at")
        new.save(update_fields=stamps)
        _entry(new, "unit_rerouted_in", user, previous, now, unit=unit.pk, from_incident=old.pk)
        incident_event(new, "unit_rerouted_in", now, unit=unit.pk)
