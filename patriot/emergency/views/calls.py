"""The PSC 119 call taker's pages: the new-incident page (/psc/), the closing of calls that are not emergencies,
an incident's page with its pre-arrival instructions, and the ambulances' status steps (/psc/ambulans/).

Keyboard-first: the caller number has the focus, the fields follow the call, Enter saves. Without JavaScript the
"Usulkan level" button proposes the level; with it the proposal follows every answer (static/emergency/call.js
reads the table emergency.triage.table() renders into the page)."""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre import queries as callcentre_queries
from patriot.callcentre import services as callcentre_services
from patriot.callcentre.lines import psc_lines
from patriot.callcentre.models import Call
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.audit import record_access
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import DomainError, InvalidTransition
from patriot.emergency import instructions, queries, services, triage
from patriot.emergency.choices import AmbulanceActionChoices, ClosureReasonChoices, TriageLevelChoices
from patriot.emergency.events import INCIDENT_SUBJECT
from patriot.emergency.forms import IncidentForm, NonEmergencyForm, call_received_at, call_token
from patriot.emergency.intervals import INCIDENT_TIMES
from patriot.emergency.models import Ambulance, Incident

psc_page = staff_page(queries.CALL_ROLES)
dispatch_page = staff_page({RoleChoices.PSC_DISPATCHER})


def _answered_call(user: User, call_id: int | None) -> Call | None:
    """The phone call on a PSC line this call taker answered and that opened no incident yet, else None."""
    if not call_id:
        return None
    return (
        Call.objects.filter(pk=call_id, operator=user, line__in=psc_lines(), incident__isnull=True)
        .select_related("transferred_from")
        .first()
    )


def _call_page(
    request: HttpRequest,
    form: IncidentForm,
    *,
    proposed: str = "",
    status: int = 200,
    phone_call: Call | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "phone_call": phone_call,
        "proposed": proposed,
        "proposed_label": TriageLevelChoices.label(proposed) if proposed else "",
        "triage_table": triage.table(),
        "level_labels": {value: str(label) for value, label in TriageLevelChoices.choices()},
        "closure_reasons": ClosureReasonChoices.choices(),
        "counts": queries.non_emergency_counts(clock.now()),
        "open_incidents": queries.active_incidents()[:20],
    }
    return render(request, "emergency/call.html", context, status=status)


@psc_page
def new_call(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if request.method != "POST":
        phone_call = _answered_call(user, _int(request.GET.get("panggilan")))
        initial: dict[str, object] = {"call_token": call_token()}
        if phone_call is not None:
            initial.update(
                phone_call=phone_call.pk, caller_number=phone_call.caller_number, caller_name=phone_call.caller_name
            )
        return _call_page(request, IncidentForm(initial=initial), phone_call=phone_call)
    form = IncidentForm(request.POST)
    phone_call = _answered_call(user, _int(request.POST.get("phone_call")))
    if not form.is_valid():
        return _call_page(request, form, status=400, phone_call=phone_call)
    if form.cleaned_data["phone_call"] and phone_call is None:
        form.add_error(None, _("Panggilan telepon ini sudah menjadi insiden atau tidak Anda jawab."))
        return _call_page(request, form, status=409)
    details = dataclasses.replace(form.details(), phone_call=phone_call)
    proposed = triage.propose(
        triage.Answers(
            details.complaint,
            details.conscious,
            details.breathing_normally,
            details.severe_bleeding,
            details.age_band,
        )
    )
    if "propose" in request.POST:
        return _call_page(request, form, proposed=proposed, phone_call=phone_call)
    try:
        incident = services.create_incident(user, details)
    except DomainError as error:
        form.add_domain_error(error.field, error.message)
        return _call_page(request, form, proposed=proposed, status=error.status_code, phone_call=phone_call)
    messages.success(
        request,
        _("Insiden %(number)s dibuat, %(level)s.")
        % {"number": incident.number, "level": TriageLevelChoices.label(incident.level)},
    )
    return redirect("emergency-incident", pk=incident.pk)


@require_POST
@psc_page
def close_call(request: HttpRequest) -> HttpResponse:
    """A new call that is not an emergency, closed with its reason (the second click)."""
    user: User = request.user  # type: ignore[assignment]
    form = NonEmergencyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        duplicate = queries.incident(data["duplicate_of"]) if data["duplicate_of"] else None
        try:
            services.record_non_emergency_call(
                user,
                data["closure_reason"],
                caller_number=data["caller_number"],
                duplicate_of=duplicate,
                call_received_at=call_received_at(data["call_token"]),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Panggilan ditutup: %(reason)s.") % {"reason": ClosureReasonChoices.label(data["closure_reason"])},
            )
            return redirect("emergency-call")
    else:
        messages.error(request, _("Pilih alasan menutup panggilan."))
    return _call_page(request, IncidentForm(initial={"call_token": call_token()}), status=400)


def _incident_or_404(pk: int) -> Incident:
    incident = queries.incident(pk)
    if incident is None:
        raise Http404
    return incident


@psc_page
def incident_page(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    incident = _incident_or_404(pk)
    record_access(
        user,
        subject_type=INCIDENT_SUBJECT,
        subject_ids=[incident.pk],
        data=PersonalDataChoices.PATIENT_IDENTITY,
        purpose=_("Penanganan panggilan 119"),
    )
    reports = queries.incident_reports(incident)
    if reports:
        # Vitals and the working assessment are the patient's diagnosis: their read is audited apart.
        record_access(
            user,
            subject_type=INCIDENT_SUBJECT,
            subject_ids=[incident.pk],
            data=PersonalDataChoices.DIAGNOSIS,
            purpose=_("Laporan pasien kru di halaman insiden PSC"),
        )
    context = {
        "incident": incident,
        "reports": reports,
        "sections": instructions.sections(
            incident.complaint, conscious=incident.conscious, breathing_normally=incident.breathing_normally
        ),
        "timeline": incident.timeline.select_related("actor"),
        "closure_reasons": ClosureReasonChoices.choices(),
        "intervals": [
            (getattr(Incident._meta.get_field(name), "verbose_name", name), getattr(incident, name))
            for name in INCIDENT_TIMES
        ],
    }
    return render(request, "emergency/incident.html", context)


@require_POST
@psc_page
def close_incident(request: HttpRequest, pk: int) -> HttpResponse:
    """Close an open incident as not an emergency; one already closed answers 409."""
    user: User = request.user  # type: ignore[assignment]
    incident = _incident_or_404(pk)
    form = NonEmergencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih alasan menutup panggilan."))
        return redirect("emergency-incident", pk=pk)
    duplicate = queries.incident(form.cleaned_data["duplicate_of"]) if form.cleaned_data["duplicate_of"] else None
    try:
        services.close_non_emergency(user, incident, form.cleaned_data["closure_reason"], duplicate_of=duplicate)
    except InvalidTransition as error:
        return render(request, "emergency/refused.html", {"message": error.message}, status=409)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("emergency-incident", pk=pk)
    return redirect("emergency-call")


@psc_page
def ambulance_list(request: HttpRequest) -> HttpResponse:
    ambulances = [
        (
            ambulance,
            [
                (action, AmbulanceActionChoices.label(action))
                for action in services.AMBULANCE_MACHINE.allowed(ambulance.status)
            ],
        )
        for ambulance in queries.ambulances()
    ]
    context = {"ambulances": ambulances, "open_incidents": queries.active_incidents()[:50]}
    return render(request, "emergency/ambulances.html", context)


@require_POST
@dispatch_page
def ambulance_step(request: HttpRequest, pk: int) -> HttpResponse:
    """One status step of an ambulance; an illegal one answers 409."""
    user: User = request.user  # type: ignore[assignment]
    ambulance = Ambulance.objects.select_related("unit").filter(pk=pk).first()
    if ambulance is None:
        raise Http404
    incident_id = request.POST.get("incident", "")
    incident = queries.incident(int(incident_id)) if incident_id.isdigit() else None
    action = request.POST.get("action", "")
    try:
        if action == AmbulanceActionChoices.DISPATCH and incident is not None:
            # The dispatch service also moves the incident to "dispatched" (services/dispatch.py).
            services.dispatch_units(user, incident, [ambulance.pk])
            ambulance.refresh_from_db()
        else:
            services.move_ambulance(user, ambulance, action, incident=incident, reason=request.POST.get("reason", ""))
    except InvalidTransition as error:
        return render(request, "emergency/refused.html", {"message": error.message}, status=409)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("emergency-ambulances")
    messages.success(
        request,
        _("%(unit)s: %(status)s.") % {"unit": ambulance.unit.name, "status": ambulance.get_status_display()},
    )
    return redirect("emergency-ambulances")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_GET
@psc_page
def ringing(request: HttpRequest) -> HttpResponse:
    """The calls ringing on the PSC's lines (the phone system's hook, or transferred from 1500444), live."""
    return render(request, "emergency/_ringing.html", {"ringing": callcentre_queries.ringing_calls(psc=True)})


@require_POST
@psc_page
def pick_up(request: HttpRequest, call_id: int) -> HttpResponse:
    """Answer a ringing 119 call: its ring and answer times become the incident's first interval, and the
    incident form opens with what is known of the caller."""
    user: User = request.user  # type: ignore[assignment]
    call = Call.objects.filter(pk=call_id, line__in=psc_lines()).first()
    if call is None:
        raise Http404
    try:
        callcentre_services.answer_call(by=user, call=call)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("emergency-call")
    return redirect(f"{reverse('emergency-call')}?panggilan={call.pk}")
