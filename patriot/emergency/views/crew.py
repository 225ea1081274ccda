"""The ambulance crew's phone page (/psc/kru/) and its JSON endpoints (status taps, position), and the receiving
hospital's incoming page (/psc/rs/).

The crew sees only its own ambulance's current assignment; the hospital's staff only the notices sent to their
hospital. Every page that shows patient or caller data records the read (core.audit) with its purpose.

The JSON endpoints answer errors in /api/v1's shape ({detail, code, field}, Retry-After on 429). Status taps carry
an idempotency key and the phone's time of the tap: static/emergency/crew.js queues them in localStorage while
offline and sends them, in order, once the connection is back. The service worker /psc/kru/sw.js (core/offline.py)
keeps the crew's page and its files on the phone, so a reload without signal shows the last assignment and the
queue."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.cases.views.staff import staff_page
from patriot.core import clock, offline, ratelimit
from patriot.core.api_errors import error_response
from patriot.core.audit import record_access
from patriot.core.choices import PersonalDataChoices
from patriot.core.errors import DomainError
from patriot.emergency import hospitals, instructions, queries, services
from patriot.emergency.choices import AmbulanceActionChoices, AmbulanceStatusChoices, AvpuChoices
from patriot.emergency.events import INCIDENT_SUBJECT
from patriot.emergency.models import Ambulance, PatientReport

crew_page = staff_page({RoleChoices.AMBULANCE_CREW})
hospital_page = staff_page({RoleChoices.HOSPITAL_STAFF})

# The crew's page as last loaded with a signal (the assignment the crew is working: theirs to keep on the phone), and
# its files. A copy is dropped as soon as the page answers a signed-out visitor.
service_worker = offline.service_worker(
    offline.OfflinePages(cache="patriot-psc-crew-v1", scope="/psc/kru/", pages=("/psc/kru/",))
)

# Position posts per ambulance per minute (the phone sends one every ~15 s while moving).
POSITION_LIMIT = 12


def _ambulance_or_none(request: HttpRequest) -> Ambulance | None:
    user: User = request.user  # type: ignore[assignment]
    return services.crew_ambulance(user)


def _machine() -> dict[str, Any]:
    """The crew's steps for the page's script: which step each status allows and where it leads."""
    machine = services.AMBULANCE_MACHINE
    return {
        "allowed": {
            status: [action for action in machine.allowed(status) if action in services.CREW_ACTIONS]
            for status in AmbulanceStatusChoices.values()
        },
        "target": {action: machine.target(action) for action in services.CREW_ACTIONS},
        "labels": {action: str(AmbulanceActionChoices.label(action)) for action in services.CREW_ACTIONS},
        "statusLabels": {value: str(label) for value, label in AmbulanceStatusChoices.choices()},
        "handoverLabel": _("Serah terima pasien di IGD"),
    }


class VitalsForm(forms.Form):
    patient_count = forms.IntegerField(label=gettext_lazy("Jumlah pasien"), initial=1)
    avpu = forms.ChoiceField(
        label=gettext_lazy("Kesadaran (AVPU)"), choices=[("", "—"), *AvpuChoices.choices()], required=False
    )
    gcs = forms.IntegerField(label=gettext_lazy("GCS (3–15)"), required=False)
    pulse = forms.IntegerField(label=gettext_lazy("Nadi (x/menit)"), required=False)
    breathing_rate = forms.IntegerField(label=gettext_lazy("Napas (x/menit)"), required=False)
    spo2 = forms.IntegerField(label=gettext_lazy("SpO2 (%)"), required=False)
    bp_systolic = forms.IntegerField(label=gettext_lazy("Tekanan darah sistolik (mmHg)"), required=False)
    bp_diastolic = forms.IntegerField(label=gettext_lazy("Tekanan darah diastolik (mmHg)"), required=False)
    assessment = forms.CharField(
        label=gettext_lazy("Penilaian kerja"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["invalid"] = _("Isi dengan angka.")
            field.error_messages["required"] = _("Wajib diisi.")

    def vitals(self) -> services.Vitals:
        data = self.cleaned_data
        return services.Vitals(
            **{name: data[name] for name in self.fields if name != "assessment"}, assessment=data["assessment"] or ""
        )


def _report_form(report: PatientReport | None, incident_patients: int) -> VitalsForm:
    if report is None:
        return VitalsForm(initial={"patient_count": incident_patients})
    return VitalsForm(initial={name: getattr(report, name) for name in VitalsForm.base_fields})


def _crew_context(request: HttpRequest, ambulance: Ambulance, form: VitalsForm | None = None) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    incident = queries.crew_incident(ambulance)
    context: dict[str, Any] = {"ambulance": ambulance, "incident": incident, "machine": _machine()}
    if incident is None:
        return context
    record_access(
        user,
        subject_type=INCIDENT_SUBJECT,
        subject_ids=[incident.pk],
        data=PersonalDataChoices.PATIENT_IDENTITY,
        purpose=_("Penugasan ambulans (kru)"),
    )
    report = queries.crew_report(ambulance, incident)
    context.update(
        {
            "report": report,
            "form": form or _report_form(report, incident.patient_count),
            "sections": instructions.sections(
                incident.complaint, conscious=incident.conscious, breathing_normally=incident.breathing_normally
            ),
            "on_scene": ambulance.status in services.REPORT_STATUSES,
            "hospital_options": hospitals.options(incident) if ambulance.status in services.REPORT_STATUSES else [],
            "needs": hospitals.NEEDS.get(incident.complaint, ""),
            "stamps": [
                (
                    action,
                    _("Serah terima di IGD") if action == "clear" else AmbulanceActionChoices.label(action),
                    getattr(incident, field),
                )
                for action, field in (
                    ("depart", "en_route_at"),
                    ("arrive", "on_scene_at"),
                    ("transport", "left_scene_at"),
                    ("reach_hospital", "at_hospital_at"),
                    ("clear", "handover_at"),
                    ("back_in_service", "back_in_service_at"),
                )
            ],
        }
    )
    return context


@crew_page
def crew_home(request: HttpRequest) -> HttpResponse:
    ambulance = _ambulance_or_none(request)
    if ambulance is None:
        return render(request, "emergency/crew_none.html", status=200)
    return render(request, "emergency/crew.html", _crew_context(request, ambulance))


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def _crew_json(request: HttpRequest) -> tuple[Ambulance | None, HttpResponse | None]:
    if not request.user.is_authenticated:
        return None, error_response(401, _("Silakan masuk terlebih dahulu."), "unauthenticated")
    if request.user.role != RoleChoices.AMBULANCE_CREW:
        return None, error_response(403, _("Hanya kru ambulans."), "forbidden")
    ambulance = _ambulance_or_none(request)
    if ambulance is None:
        return None, error_response(403, _("Akun ini belum terhubung ke ambulans."), "no_ambulance")
    return ambulance, None


def _parse_time(text: Any) -> datetime | None:
    if text in (None, ""):
        return None
    parsed = parse_datetime(str(text)) if isinstance(text, str) else None
    if parsed is None or timezone.is_naive(parsed):
        raise DomainError(_("Waktu langkah tidak valid."), code="invalid", field="at")
    return parsed


def _state(ambulance: Ambulance) -> dict[str, Any]:
    return {
        "status": ambulance.status,
        "status_label": str(AmbulanceStatusChoices.label(ambulance.status)),
        "incident": ambulance.incident_id,
    }


@require_POST
def crew_step(request: HttpRequest) -> HttpResponse:
    """POST {action, key, at}: one status tap. 200 {applied, at, status, …}; a key sent before answers 200 with
    applied false; 409 for a step the unit's status no longer allows."""
    ambulance, refusal = _crew_json(request)
    if refusal is not None:
        return refusal
    assert ambulance is not None
    body = _json_body(request)
    if body is None:
        return error_response(400, _("Permintaan tidak dapat dibaca."), "bad_json")
    user: User = request.user  # type: ignore[assignment]
    try:
        result = services.record_crew_step(
            user,
            ambulance,
            str(body.get("action", "")),
            key=str(body.get("key", "")),
            tapped_at=_parse_time(body.get("at")),
        )
    except DomainError as error:
        return error_response(error.status_code, error.message, error.code, error.field)
    ambulance.refresh_from_db()
    return JsonResponse(
        {
            "applied": result.applied,
            "key": result.receipt.key,
            "at": result.receipt.tapped_at.isoformat(),
            **_state(ambulance),
        }
    )


@require_GET
def crew_state(request: HttpRequest) -> HttpResponse:
    """The unit's status and current incident id (no patient data): the page checks it for a new assignment."""
    ambulance, refusal = _crew_json(request)
    if refusal is not None:
        return refusal
    assert ambulance is not None
    return JsonResponse(_state(ambulance))


@require_POST
def crew_position(request: HttpRequest) -> HttpResponse:
    """POST {latitude, longitude}: the unit's position (at most POSITION_LIMIT a minute: 429 + Retry-After)."""
    ambulance, refusal = _crew_json(request)
    if refusal is not None:
        return refusal
    assert ambulance is not None
    if not ratelimit.hit("crew-position", str(ambulance.pk), POSITION_LIMIT, 60):
        response = error_response(429, _("Terlalu sering mengirim posisi. Coba lagi sebentar lagi."), "rate_limited")
        response["Retry-After"] = "60"
        return response
    body = _json_body(request)
    if body is None:
        return error_response(400, _("Permintaan tidak dapat dibaca."), "bad_json")
    try:
        latitude, longitude = float(body["latitude"]), float(body["longitude"])
    except (KeyError, TypeError, ValueError):
        return error_response(400, _("Posisi tidak valid."), "invalid", "latitude")
    user: User = request.user  # type: ignore[assignment]
    try:
        kept = services.share_position(user, ambulance, latitude, longitude)
    except DomainError as error:
        return error_response(error.status_code, error.message, error.code, error.field)
    return JsonResponse({"kept": kept})


@require_POST
@crew_page
def crew_report(request: HttpRequest) -> HttpResponse:
    ambulance = _ambulance_or_none(request)
    if ambulance is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    form = VitalsForm(request.POST)
    if form.is_valid():
        try:
            services.save_patient_report(user, ambulance, form.vitals())
        except DomainError as error:
            if error.field and error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("Data pasien disimpan."))
            return redirect("emergency-crew")
    return render(request, "emergency/crew.html", _crew_context(request, ambulance, form), status=400)


@require_POST
@crew_page
def crew_destination(request: HttpRequest) -> HttpResponse:
    ambulance = _ambulance_or_none(request)
    if ambulance is None:
        raise Http404
    user: User = request.user  # type: ignore[assignment]
    hospital_id = request.POST.get("hospital", "")
    hospital = OrganisationUnit.objects.filter(pk=int(hospital_id)).first() if hospital_id.isdigit() else None
    try:
        if hospital is None:
            raise DomainError(_("Pilih rumah sakit tujuan."), code="required", field="hospital")
        services.choose_destination(user, ambulance, hospital)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Pemberitahuan pra-kedatangan dikirim ke %(hospital)s.") % {"hospital": hospital.name}
        )
    return redirect("emergency-crew")


def _hospital_unit(request: HttpRequest) -> int:
    user: User = request.user  # type: ignore[assignment]
    if user.unit_id is None:
        raise Http404
    return user.unit_id


def _incoming_context(request: HttpRequest) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    reports = list(queries.hospital_incoming(_hospital_unit(request), clock.now()))
    if reports:
        record_access(
            user,
            subject_type=INCIDENT_SUBJECT,
            subject_ids=[report.incident_id for report in reports],
            data=PersonalDataChoices.DIAGNOSIS,
            purpose=_("Pemberitahuan pra-kedatangan dan serah terima IGD"),
        )
    return {"reports": reports}


@hospital_page
def hospital_incoming(request: HttpRequest) -> HttpResponse:
    template = (
        "emergency/crew_hospital_list.html"
        if request.headers.get("HX-Request") == "true"
        else "emergency/crew_hospital.html"
    )
    return render(request, template, _incoming_context(request))


@require_POST
@hospital_page
def hospital_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    report = (
        PatientReport.objects.select_related("incident").filter(pk=pk, destination_id=_hospital_unit(request)).first()
    )
    if report is None:
        raise Http404
    try:
        services.acknowledge_handover(user, report)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Serah terima dikonfirmasi."))
    return redirect("emergency-hospital")
