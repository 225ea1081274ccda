"""The only code that changes PSC 119's records: open an incident from a call, close a call that is not an
emergency (new or open), and move an ambulance through its run.

Each step writes its row, one timeline entry and one outbox event in one transaction (core.workflow.perform for a
step on an existing row). Illegal moves raise InvalidTransition (HTTP 409)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.callcentre.lines import is_psc_line
from patriot.callcentre.models import Call
from patriot.core import clock, quiet, registry, workflow
from patriot.core.errors import InvalidInput, InvalidTransition
from patriot.core.phones import normalise_phone
from patriot.core.workflow import StateMachine
from patriot.emergency import dispatch, triage
from patriot.emergency.choices import (
    AgeBandChoices,
    AnswerChoices,
    ClosureReasonChoices,
    ComplaintChoices,
    IncidentEntryKindChoices,
)
from patriot.emergency.choices import AmbulanceActionChoices as Action
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import IncidentStateChoices as State
from patriot.emergency.choices import TriageLevelChoices as Level
from patriot.emergency.events import AMBULANCE_SUBJECT, INCIDENT_SUBJECT, OVERVIEW_SUBJECT, PSC_ROLES
from patriot.emergency.models import Ambulance, AmbulanceEntry, Incident, IncidentEntry, PatientReport
from patriot.events.services import record_event
from patriot.geo import lookup

# An ambulance's run as data: {action: (statuses it may start from, status it leads to)}. A unit on scene that
# takes nobody to hospital (refused, treated on scene) clears from ON_SCENE straight to RETURNING.
AMBULANCE_MACHINE = StateMachine(
    {
        # A unit on its way back may be sent again (emergency.dispatch lists it, marked as returning).
        Action.DISPATCH: (frozenset({Status.AVAILABLE, Status.RETURNING}), Status.DISPATCHED),
        Action.DEPART: (frozenset({Status.DISPATCHED}), Status.EN_ROUTE),
        Action.ARRIVE: (frozenset({Status.EN_ROUTE}), Status.ON_SCENE),
        Action.TRANSPORT: (frozenset({Status.ON_SCENE}), Status.TRANSPORTING),
        Action.REACH_HOSPITAL: (frozenset({Status.TRANSPORTING}), Status.AT_HOSPITAL),
        Action.CLEAR: (frozenset({Status.AT_HOSPITAL, Status.ON_SCENE}), Status.RETURNING),
        Action.BACK_IN_SERVICE: (frozenset({Status.RETURNING}), Status.AVAILABLE),
        Action.OUT_OF_SERVICE: (frozenset({Status.AVAILABLE, Status.RETURNING}), Status.OUT_OF_SERVICE),
        Action.RETURN_TO_SERVICE: (frozenset({Status.OUT_OF_SERVICE}), Status.AVAILABLE),
    },
    refusal=lambda action, ambulance: InvalidTransition(
        _("Ambulans %(unit)s berstatus %(status)s: langkah “%(action)s” tidak dapat dilakukan.")
        % {
            "unit": ambulance.unit.name,
            "status": Status.label(ambulance.status),
            "action": Action.label(action),
        },
        code="invalid_transition",
    ),
    field="status",
)

# An incident's states as data. Dispatch (services/dispatch.py): the first units sent move it OPEN → DISPATCHED,
# more units may join while it is active; a re-route that takes away its last unit puts it back to OPEN.
CLOSE_NON_EMERGENCY = "close_non_emergency"
DISPATCH_INCIDENT = "dispatch"
ADD_UNITS = "add_units"
UNIT_WITHDRAWN = "unit_withdrawn"
INCIDENT_MACHINE = StateMachine(
    {
        CLOSE_NON_EMERGENCY: (frozenset({State.OPEN}), State.NON_EMERGENCY),
        DISPATCH_INCIDENT: (frozenset({State.OPEN}), State.DISPATCHED),
        ADD_UNITS: (frozenset({State.DISPATCHED, State.ON_SCENE, State.TRANSPORTING}), None),
        UNIT_WITHDRAWN: (frozenset({State.DISPATCHED}), State.OPEN),
    },
    refusal=lambda action, incident: InvalidTransition(
        _("Insiden %(number)s berstatus %(state)s dan tidak dapat ditutup sebagai bukan kedaruratan.")
        % {"number": incident.number, "state": State.label(incident.state)}
        if action == CLOSE_NON_EMERGENCY
        else _("Insiden %(number)s berstatus %(state)s: ambulans tidak dapat ditugaskan.")
        % {"number": incident.number, "state": State.label(incident.state)},
        code="invalid_transition" if action == CLOSE_NON_EMERGENCY else "incident_closed",
    ),
)

# Which incident timestamp the first unit's step stamps (later units' steps leave it).
INCIDENT_STAMPS = {
    Action.DISPATCH: "dispatched_at",
    Action.DEPART: "en_route_at",
    Action.ARRIVE: "on_scene_at",
    Action.TRANSPORT: "left_scene_at",
    Action.REACH_HOSPITAL: "at_hospital_at",
    Action.BACK_IN_SERVICE: "back_in_service_at",
}

# A page's "call received" time older than this is not this call's (a page left open): the save time is used.
MAX_CALL_AGE = timedelta(hours=2)

REQUIRED_ANSWERS = ("conscious", "breathing_normally", "severe_bleeding")


@dataclass(frozen=True)
class CallDetails:
    """What the call taker logged. The location needs a point or an address; complaint and the triage answers
    are needed to dispatch; the rest may be filled in later."""

    complaint: str
    conscious: str
    breathing_normally: str
    severe_bleeding: str
    age_band: str = AgeBandChoices.UNKNOWN
    patient_count: int = 1
    caller_number: str = ""
    callback_number: str = ""
    caller_name: str = ""
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    landmark: str = ""
    final_level: str = ""
    override_reason: str = ""
    call_received_at: datetime | None = None
    # The call answered on a PSC line (callcentre.Call): its ring and answer times replace call_received_at.
    phone_call: Call | None = None


def _phone(text: str, field: str) -> str:
    return normalise_phone(text, field=field, allow_foreign=True) if text.strip() else ""


def _received_at(given: datetime | None, now: datetime) -> datetime:
    if given is None or given > now or now - given > MAX_CALL_AGE:
        return now
    return given


def _answered_here(user: User, call: Call) -> tuple[datetime, datetime]:
    """The ring and answer times of a phone call this call taker answered on a PSC line and that opened no
    incident yet; anything else is refused."""
    if not is_psc_line(call.line) or call.operator_id != user.pk or call.started_at is None:
        raise InvalidInput(_("Panggilan ini tidak Anda jawab di jalur 119."), code="invalid", field="phone_call")
    if Incident.objects.filter(phone_call=call).exists():
        raise InvalidTransition(_("Panggilan ini sudah menjadi insiden."), code="already_used")
    return call.rung_at or call.started_at, call.started_at


def _psc_of(user: User) -> int | None:
    unit = user.unit
    return unit.pk if unit is not None and unit.kind == UnitKindChoices.PSC_CENTRE else None


def _check_choice(value: str, allowed: list[str], field: str) -> None:
    if value not in allowed:
        raise InvalidInput(_("Pilih salah satu jawaban."), code="required", field=field)


def _levels(details: CallDetails) -> tuple[str, str, str]:
    """(proposed, final, override reason); a final level apart from the proposal needs its reason."""
    proposed = triage.propose(
        triage.Answers(
            complaint=details.complaint,
            conscious=details.conscious,
            breathing_normally=details.breathing_normally,
            severe_bleeding=details.severe_bleeding,
            age_band=details.age_band,
        )
    )
    final = details.final_level or proposed
    if final not in Level.values():
        raise InvalidInput(_("Level triase tidak dikenal."), code="invalid", field="final_level")
    reason = details.override_reason.strip()
    if final != proposed and not reason:
        raise InvalidInput(
            _("Tulis alasan mengubah level usulan %(proposed)s.") % {"proposed": Level.label(proposed)},
            code="required",
            field="override_reason",
        )
    return proposed, final, reason if final != proposed else ""


def record_overview(at: datetime) -> None:
    """The city's emergency overview as it stands in this transaction, for the POC/mayor panels' live update
    (emergency.events.OVERVIEW_EVENTS; counts and units at rest only). Written after each incident or ambulance
    event, in its transaction; the last one of a transaction holds its final figures. Not for demo history (quiet):
    nobody watches it being written, and the panels read the database when they open."""
    if quiet.active():
        return
    record_event(
        kind="overview", subject_type=OVERVIEW_SUBJECT, subject_id="city", at=at, payload=dispatch.overview_payload()
    )


def incident_event(incident: Incident, kind: str, at: datetime, **extra: Any) -> None:
    # Ids, state and level only: no caller, patient or address (UU PDP), and never public.
    record_event(
        kind=kind,
        subject_type=INCIDENT_SUBJECT,
        subject_id=str(incident.pk),
        at=at,
        payload={"state": incident.state, "level": incident.level, "complaint": incident.complaint, **extra},
    )
    record_overview(at)


def create_incident(user: User, details: CallDetails) -> Incident:
    """Open an incident from a 119 call: validate, place the point, propose the level, save with one timeline
    entry and one event."""
    _check_choice(details.complaint, ComplaintChoices.caller_values(), "complaint")
    for field in REQUIRED_ANSWERS:
        _check_choice(getattr(details, field), AnswerChoices.values(), field)
    _check_choice(details.age_band, AgeBandChoices.values(), "age_band")
    if not 1 <= details.patient_count <= 500:
        raise InvalidInput(_("Jumlah pasien antara 1 dan 500."), code="invalid", field="patient_count")
    has_point = details.latitude is not None and details.longitude is not None
    if not has_point and not details.address.strip():
        raise InvalidInput(_("Tandai lokasi di peta atau tulis alamatnya."), code="required", field="address")
    place = lookup.place(details.latitude, details.longitude) if has_point else None  # type: ignore[arg-type]
    proposed, final, reason = _levels(details)
    caller_number = _phone(details.caller_number, "caller_number")
    callback_number = _phone(details.callback_number, "callback_number") or caller_number
    now = clock.now()
    received_at, answered_at = _received_at(details.call_received_at, now), None
    if details.phone_call is not None:
        received_at, answered_at = _answered_here(user, details.phone_call)
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                phone_call=details.phone_call,
                call_answered_at=answered_at,
                state=State.OPEN,
                call_taker=user,
                psc_id=_psc_of(user),
                caller_number=caller_number,
                callback_number=callback_number,
                caller_name=details.caller_name.strip(),
                latitude=place.latitude if place else None,
                longitude=place.longitude if place else None,
                village_id=place.village_id if place else None,
                district_id=place.district_id if place else None,
                inside_city=place.village_id is not None if place else True,
                address=details.address.strip(),
                landmark=details.landmark.strip(),
                complaint=details.complaint,
                patient_count=details.patient_count,
                conscious=details.conscious,
                breathing_normally=details.breathing_normally,
                severe_bleeding=details.severe_bleeding,
                age_band=details.age_band,
                proposed_level=proposed,
                final_level=final,
                override_reason=reason,
                call_received_at=received_at,
                created_at=now,
            )
            IncidentEntry.objects.create(
                incident=incident,
                kind="created",
                actor=user,
                to_state=State.OPEN,
                note=reason,
                data={"proposed_level": proposed, "final_level": final},
                is_public=False,
                created_at=now,
            )
            incident_event(incident, "created", now)
    except IntegrityError as error:
        # Two saves of one answered call raced: the first one opened the incident.
        if details.phone_call is not None and Incident.objects.filter(phone_call=details.phone_call).exists():
            raise InvalidTransition(_("Panggilan ini sudah menjadi insiden."), code="already_used") from error
        raise
    return incident


def _duplicate(duplicate_of: Incident | None, reason: str, itself: Incident | None = None) -> Incident | None:
    if reason != ClosureReasonChoices.DUPLICATE:
        return None
    if duplicate_of is not None and (duplicate_of.state not in State.ACTIVE or duplicate_of == itself):
        raise InvalidInput(_("Pilih insiden yang masih terbuka."), code="invalid", field="duplicate_of")
    return duplicate_of


def record_non_emergency_call(
    user: User,
    reason: str,
    *,
    caller_number: str = "",
    duplicate_of: Incident | None = None,
    call_received_at: datetime | None = None,
) -> Incident:
    """A call that is not an emergency, closed at once with its reason (the call taker's two clicks): an incident
    in state NON_EMERGENCY, so such calls are counted beside the others."""
    _check_choice(reason, ClosureReasonChoices.values(), "closure_reason")
    duplicate = _duplicate(duplicate_of, reason)
    caller_number = _phone(caller_number, "caller_number")
    now = clock.now()
    with transaction.atomic():
        incident = Incident.objects.create(
            state=State.NON_EMERGENCY,
            call_taker=user,
            psc_id=_psc_of(user),
            caller_number=caller_number,
            closure_reason=reason,
            duplicate_of=duplicate,
            call_received_at=_received_at(call_received_at, now),
            created_at=now,
            closed_at=now,
        )
        IncidentEntry.objects.create(
            incident=incident,
            kind=CLOSE_NON_EMERGENCY,
            actor=user,
            to_state=State.NON_EMERGENCY,
            data={"reason": reason},
            is_public=False,
            created_at=now,
        )
        incident_event(incident, CLOSE_NON_EMERGENCY, now, reason=reason)
    return incident


def claim_call(incident: Incident, user: User) -> list[str]:
    """A transfer has no call taker until a PSC user first acts on it (dispatch, re-route, close): that user
    becomes its call taker, on `incident` (locked by the caller, who saves). Returns the fields set."""
    if incident.call_taker_id is None and user.role in PSC_ROLES:
        incident.call_taker = user
        return ["call_taker"]
    return []


def close_non_emergency(user: User, incident: Incident, reason: str, *, duplicate_of: Incident | None = None) -> None:
    """Close an open incident that turned out not to be an emergency (e.g. a second call about the same crash)."""
    _check_choice(reason, ClosureReasonChoices.values(), "closure_reason")
    with workflow.perform(incident, machine=INCIDENT_MACHINE, action=CLOSE_NON_EMERGENCY) as step:
        subject = step.subject
        subject.duplicate_of = _duplicate(duplicate_of, reason, itself=subject)
        previous = INCIDENT_MACHINE.move(subject, CLOSE_NON_EMERGENCY)
        subject.closure_reason = reason
        subject.closed_at = step.now
        claim_call(subject, user)
        subject.save()
        IncidentEntry.objects.create(
            incident=subject,
            kind=CLOSE_NON_EMERGENCY,
            actor=user,
            from_state=previous,
            to_state=subject.state,
            data={"reason": reason},
            is_public=False,
            created_at=step.now,
        )
        incident_event(subject, CLOSE_NON_EMERGENCY, step.now, reason=reason)


def _step_time(at: datetime | None, now: datetime, previous: datetime | None) -> datetime:
    """The time a step is recorded at: now, or the given earlier time within the plausible window."""
    if at is None:
        return now
    if at > now:
        raise InvalidInput(_("Waktu langkah tidak boleh di masa depan."), code="invalid", field="at")
    if previous is not None and at < previous:
        raise InvalidInput(_("Waktu langkah tidak boleh sebelum langkah sebelumnya."), code="invalid", field="at")
    return at


# Where an incident stands follows its units' runs (issue 11 items 6 and 10): the furthest a unit still working it
# has come (sent / on its way → DISPATCHED, on scene → ON_SCENE, carrying the patient or at the hospital before the
# handover → TRANSPORTING); with no unit working it any more, HANDED_OVER while a unit that handed a patient over is
# still on its way back, else CLOSED — the incident leaves the board and the run is over.
PROGRESS = "progress"
WORKING_STATES = {
    Status.DISPATCHED: State.DISPATCHED,
    Status.EN_ROUTE: State.DISPATCHED,
    Status.ON_SCENE: State.ON_SCENE,
    Status.TRANSPORTING: State.TRANSPORTING,
    Status.AT_HOSPITAL: State.TRANSPORTING,
}
STATE_ORDER = (State.DISPATCHED, State.ON_SCENE, State.TRANSPORTING)


def progress_incident(incident: Incident, user: User, at: datetime) -> None:
    """Move a dispatched incident to where its units' runs put it (WORKING_STATES), in the caller's transaction and
    on the incident's lock; an open, closed or non-emergency incident is left alone. Each change is on the
    incident's timeline and announced to the board."""
    if incident.state not in (State.DISPATCHED, State.ON_SCENE, State.TRANSPORTING, State.HANDED_OVER):
        return
    statuses = list(Ambulance.objects.filter(incident=incident).values_list("status", flat=True))
    working = [WORKING_STATES[status] for status in statuses if status in WORKING_STATES]
    if working:
        new_state = max(working, key=STATE_ORDER.index)
    elif statuses and incident.handover_at is not None:
        new_state = State.HANDED_OVER
    else:
        new_state = State.CLOSED
    if new_state == incident.state:
        return
    previous = incident.state
    incident.state = new_state
    fields = ["state"]
    if new_state == State.CLOSED:
        incident.closed_at = at
        fields.append("closed_at")
    incident.save(update_fields=fields)
    IncidentEntry.objects.create(
        incident=incident,
        kind=PROGRESS,
        actor=user,
        from_state=previous,
        to_state=new_state,
        data={},
        is_public=False,
        created_at=at,
    )
    incident_event(incident, PROGRESS, at)


def _transfer_arrival(incident: Incident, unit: Ambulance, user: User, at: datetime) -> None:
    """A unit of an inter-facility transfer reached a hospital: when it is the referral's receiving hospital (the
    destination the crew chose for this unit is the incident's destination) the referral records the arrival,
    through core.registry, whichever of the incident's units it is. A unit that went elsewhere (diverted, or with no
    destination chosen) does not arrive the referral: the incident's timeline and the referral's say where it went,
    so the PSC, the referrer and the receiving hospital see the diversion; the receiving hospital records the
    arrival when the patient does come."""
    if incident.destination_id is None:
        return
    destination = (
        PatientReport.objects.filter(incident=incident, ambulance=unit)
        .values_list("destination_id", "destination__name")
        .first()
    )
    destination_id, hospital = destination if destination is not None else (None, None)
    if destination_id == incident.destination_id:
        arrival = registry.transfer_arrival()
        if arrival is not None:
            arrival(incident.referral_id, at)  # type: ignore[arg-type]
        return
    receiving = OrganisationUnit.objects.filter(pk=incident.destination_id).values_list("name", flat=True).first()
    names = {"unit": unit.unit.name, "hospital": hospital or "", "receiving": receiving or ""}
    if hospital:
        note = _("%(unit)s tiba di %(hospital)s, bukan rumah sakit tujuan rujukan (%(receiving)s).") % names
    else:
        note = _("%(unit)s tiba di rumah sakit yang tidak dipilih kru, bukan tujuan rujukan (%(receiving)s).") % names
    IncidentEntry.objects.create(
        incident=incident,
        kind=IncidentEntryKindChoices.TRANSFER_DIVERTED,
        actor=user,
        note=note,
        data={"ambulance": unit.pk, "hospital": destination_id, "receiving": incident.destination_id},
        is_public=False,
        created_at=at,
    )
    diversion = registry.transfer_diversion()
    if diversion is not None:
        diversion(incident.referral_id, at, hospital or "")  # type: ignore[arg-type]


def move_ambulance(
    user: User,
    ambulance: Ambulance,
    action: str,
    *,
    incident: Incident | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """One step of an ambulance's run (AMBULANCE_MACHINE). `dispatch` needs the incident; `out_of_service` a
    reason. The first unit's step on an incident stamps that incident's interval (INCIDENT_STAMPS).

    `at` is when the step happened, if earlier than now (a crew's tap queued offline, emergency.services.crew):
    never in the future, never before the unit's previous step."""
    if action not in AMBULANCE_MACHINE.transitions:
        raise InvalidInput(_("Langkah tidak dikenal."), code="invalid", field="action")
    reason = reason.strip()
    with workflow.perform(ambulance, machine=AMBULANCE_MACHINE, action=action, related=("unit",)) as step:
        # The state is checked first (409), then what the step needs (400).
        if action == Action.OUT_OF_SERVICE and not reason:
            raise InvalidInput(_("Tulis alasan ambulans tidak beroperasi."), code="required", field="reason")
        if action == Action.DISPATCH and incident is None:
            raise InvalidInput(_("Pilih insiden untuk ambulans ini."), code="required", field="incident")
        unit = step.subject
        when = _step_time(at, step.now, unit.status_changed_at)
        target: Incident | None
        left: Incident | None = None  # the run a returning unit leaves when it is sent again
        if action == Action.DISPATCH:
            assert incident is not None
            target = workflow.lock(incident)
            if target.state not in State.ACTIVE:
                raise InvalidTransition(
                    _("Insiden %(number)s sudah ditutup.") % {"number": target.number}, code="incident_closed"
                )
            if unit.incident is not None and unit.incident_id != target.pk:
                left = workflow.lock(unit.incident)
            unit.incident = target
        else:
            target = workflow.lock(unit.incident) if unit.incident is not None else None
        previous = AMBULANCE_MACHINE.move(unit, action)
        unit.status_changed_at = when
        if action == Action.OUT_OF_SERVICE:
            unit.out_of_service_reason = reason
        elif action == Action.RETURN_TO_SERVICE:
            unit.out_of_service_reason = ""
        if target is not None:
            stamp = INCIDENT_STAMPS.get(action)
            if action == Action.CLEAR:
                stamp = "handover_at" if previous == Status.AT_HOSPITAL else "left_scene_at"
            if stamp and getattr(target, stamp) is None:
                setattr(target, stamp, when)
                stamped = [stamp]
                if action == Action.DISPATCH:
                    target.first_ambulance = unit
                    stamped.append("first_ambulance")
                target.save(update_fields=stamped)
            if action == Action.REACH_HOSPITAL and target.referral_id is not None:
                _transfer_arrival(target, unit, user, when)
        if action == Action.BACK_IN_SERVICE:
            unit.incident = None
        unit.save()
        AmbulanceEntry.objects.create(
            ambulance=unit,
            incident=target,
            kind=action,
            actor=user,
            from_state=previous,
            to_state=unit.status,
            note=reason,
            is_public=False,
            created_at=when,
        )
        if target is not None and action != Action.DISPATCH:
            progress_incident(target, user, when)
        if left is not None:
            progress_incident(left, user, when)
        record_event(
            kind=action,
            subject_type=AMBULANCE_SUBJECT,
            subject_id=str(unit.pk),
            at=step.now,
            payload={"status": unit.status, "from": previous, "incident": target.pk if target else None},
        )
        record_overview(step.now)
