"""The ambulance crew's steps (issue 11, items 7–9): status taps that may arrive late from a phone that was
offline (each with its idempotency key and the time of the tap), the unit's position, the on-scene patient report
with its destination hospital (whose staff get the pre-arrival notice), and the hospital's acknowledgement of the
handover.

Taps are applied once: the key is stored (CrewStepReceipt) in the transaction of the step, and a key seen before
answers with what was recorded then. A tap's time is accepted when it is not in the future (beyond a small clock
skew), not older than MAX_TAP_AGE and not before the unit's previous step."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import OrganisationUnit, User
from patriot.core import clock, workflow
from patriot.core.errors import Forbidden, InvalidInput, InvalidTransition
from patriot.emergency import hospitals
from patriot.emergency.choices import AmbulanceActionChoices as Action
from patriot.emergency.choices import AmbulanceStatusChoices as Status
from patriot.emergency.choices import AvpuChoices
from patriot.emergency.events import NOTICE_SUBJECT
from patriot.emergency.models import Ambulance, CrewStepReceipt, IncidentEntry, PatientReport
from patriot.emergency.services.incidents import move_ambulance
from patriot.events.services import record_event

# The steps a crew taps on its phone, in the order of a run.
CREW_ACTIONS = (
    Action.DEPART,
    Action.ARRIVE,
    Action.TRANSPORT,
    Action.REACH_HOSPITAL,
    Action.CLEAR,
    Action.BACK_IN_SERVICE,
)
# A phone clock this far ahead of the server's is the same moment (the tap is recorded at the server's now).
CLOCK_SKEW = timedelta(minutes=2)
# A tap older than this is not plausible for a run (a phone left offline for a day).
MAX_TAP_AGE = timedelta(hours=12)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Statuses in which the crew records the patient report and chooses the destination.
REPORT_STATUSES = frozenset({Status.ON_SCENE, Status.TRANSPORTING, Status.AT_HOSPITAL})


def crew_ambulance(user: User) -> Ambulance | None:
    """The ambulance whose crew `user` is (their unit), or None."""
    if user.role != RoleChoices.AMBULANCE_CREW or user.unit_id is None:
        return None
    return Ambulance.objects.select_related("unit", "incident").filter(unit_id=user.unit_id).first()


@dataclass(frozen=True)
class StepResult:
    applied: bool  # False: this key was applied before; nothing changed now
    receipt: CrewStepReceipt


def _tap_time(tapped_at: datetime | None, now: datetime) -> datetime:
    if tapped_at is None:
        return now
    if tapped_at > now + CLOCK_SKEW:
        raise InvalidInput(_("Waktu langkah tidak boleh di masa depan."), code="invalid", field="at")
    if now - tapped_at > MAX_TAP_AGE:
        raise InvalidInput(_("Waktu langkah terlalu lama, lebih dari 12 jam lalu."), code="invalid", field="at")
    return min(tapped_at, now)


def record_crew_step(
    user: User, ambulance: Ambulance, action: str, *, key: str, tapped_at: datetime | None = None
) -> StepResult:
    """One status tap of the crew, applied once per key at the time of the tap (move_ambulance stamps the
    incident's interval with it). A key seen before returns its receipt and changes nothing."""
    if not KEY_PATTERN.match(key or ""):
        raise InvalidInput(_("Kunci langkah tidak valid."), code="invalid", field="key")
    seen = CrewStepReceipt.objects.filter(key=key).first()
    if seen is not None:
        if seen.ambulance_id != ambulance.pk:
            raise InvalidInput(_("Kunci langkah tidak valid."), code="invalid", field="key")
        return StepResult(applied=False, receipt=seen)
    if action not in CREW_ACTIONS:
        raise InvalidInput(_("Langkah tidak dikenal."), code="invalid", field="action")
    now = clock.now()
    at = _tap_time(tapped_at, now)
    try:
        with transaction.atomic():
            move_ambulance(user, ambulance, action, at=at)
            receipt = CrewStepReceipt.objects.create(
                key=key, ambulance=ambulance, action=action, tapped_at=at, received_at=now, user=user
            )
    except IntegrityError:
        # The same tap sent twice at once: the other request applied it.
        receipt = CrewStepReceipt.objects.get(key=key)
        return StepResult(applied=False, receipt=receipt)
    return StepResult(applied=True, receipt=receipt)


# Indonesia's bounding box: a position outside it is a broken fix, not an ambulance.
LATITUDES = (-11.5, 6.5)
LONGITUDES = (94.5, 141.5)
# Positions closer together than this are one (the phone's watch fires far more often than every ~15 s).
POSITION_INTERVAL = timedelta(seconds=5)


def share_position(user: User, ambulance: Ambulance, latitude: float, longitude: float) -> bool:
    """Keep the unit's last position; returns False when a position came in under POSITION_INTERVAL ago (kept
    as it was). One UPDATE, no timeline entry or event: positions are many and the board reads the row."""
    if not (LATITUDES[0] <= latitude <= LATITUDES[1] and LONGITUDES[0] <= longitude <= LONGITUDES[1]):
        raise InvalidInput(_("Posisi di luar wilayah Indonesia."), code="invalid", field="latitude")
    now = clock.now()
    updated = (
        Ambulance.objects.filter(pk=ambulance.pk)
        .exclude(last_position_at__gt=now - POSITION_INTERVAL)
        .update(last_latitude=latitude, last_longitude=longitude, last_position_at=now)
    )
    if updated:
        ambulance.last_latitude, ambulance.last_longitude, ambulance.last_position_at = latitude, longitude, now
    return bool(updated)


@dataclass(frozen=True)
class Vitals:
    """What the crew records on scene. Every measurement is optional; those given must be plausible."""

    patient_count: int = 1
    avpu: str = ""
    gcs: int | None = None
    pulse: int | None = None
    breathing_rate: int | None = None
    spo2: int | None = None
    bp_systolic: int | None = None
    bp_diastolic: int | None = None
    assessment: str = ""


# Plausible bounds of each measurement: field → (lowest, highest).
BOUNDS = {
    "patient_count": (1, 500),
    "gcs": (3, 15),
    "pulse": (0, 300),
    "breathing_rate": (0, 80),
    "spo2": (50, 100),
    "bp_systolic": (40, 300),
    "bp_diastolic": (20, 200),
}


def check_vitals(vitals: Vitals) -> None:
    messages = {
        "patient_count": _("Jumlah pasien antara 1 dan 500."),
        "gcs": _("GCS antara 3 dan 15."),
        "pulse": _("Nadi antara 0 dan 300 kali per menit."),
        "breathing_rate": _("Frekuensi napas antara 0 dan 80 kali per menit."),
        "spo2": _("SpO2 antara 50 dan 100 persen."),
        "bp_systolic": _("Tekanan darah sistolik antara 40 dan 300 mmHg."),
        "bp_diastolic": _("Tekanan darah diastolik antara 20 dan 200 mmHg."),
    }
    for field, (low, high) in BOUNDS.items():
        value = getattr(vitals, field)
        if value is not None and not low <= value <= high:
            raise InvalidInput(messages[field], code="invalid", field=field)
    if vitals.avpu and vitals.avpu not in AvpuChoices.values():
        raise InvalidInput(_("Pilih tingkat kesadaran AVPU."), code="invalid", field="avpu")
    if (vitals.bp_systolic is None) != (vitals.bp_diastolic is None):
        raise InvalidInput(
            _("Isi tekanan darah sistolik dan diastolik, atau kosongkan keduanya."),
            code="required",
            field="bp_diastolic",
        )
    if vitals.bp_systolic is not None and vitals.bp_diastolic is not None and vitals.bp_diastolic >= vitals.bp_systolic:
        raise InvalidInput(
            _("Tekanan diastolik harus lebih rendah dari sistolik."), code="invalid", field="bp_diastolic"
        )
    if len(vitals.assessment) > 1000:
        raise InvalidInput(_("Penilaian kerja paling banyak 1000 huruf."), code="invalid", field="assessment")


def _assignment(ambulance: Ambulance) -> Ambulance:
    fresh = Ambulance.objects.select_related("incident", "unit").get(pk=ambulance.pk)
    if fresh.incident is None or fresh.status not in REPORT_STATUSES:
        raise InvalidTransition(
            _("Laporan pasien diisi setelah tiba di lokasi, selama penugasan berjalan."), code="no_assignment"
        )
    return fresh


def save_patient_report(user: User, ambulance: Ambulance, vitals: Vitals) -> PatientReport:
    """Record (or correct) the on-scene report of the ambulance's current incident."""
    check_vitals(vitals)
    unit = _assignment(ambulance)
    assert unit.incident is not None
    with workflow.perform(unit.incident) as step:
        report, _created = PatientReport.objects.update_or_create(
            incident=step.subject,
            ambulance=unit,
            defaults={
                "patient_count": vitals.patient_count,
                "avpu": vitals.avpu,
                "gcs": vitals.gcs,
                "pulse": vitals.pulse,
                "breathing_rate": vitals.breathing_rate,
                "spo2": vitals.spo2,
                "bp_systolic": vitals.bp_systolic,
                "bp_diastolic": vitals.bp_diastolic,
                "assessment": vitals.assessment.strip(),
                "updated_at": step.now,
            },
        )
        IncidentEntry.objects.create(
            incident=step.subject,
            kind="patient_report",
            actor=user,
            data={"ambulance": unit.pk},
            is_public=False,
            created_at=step.now,
        )
        _notice_event(report, "patient_report", step.now)
    return report


def _notice_event(report: PatientReport, kind: str, at: datetime) -> None:
    # Ids only (UU PDP); addressed to the destination hospital, whose staff alone (and the PSC) receive it.
    record_event(
        kind=kind,
        subject_type=NOTICE_SUBJECT,
        subject_id=str(report.pk),
        at=at,
        payload={"incident": report.incident_id, "ambulance": report.ambulance_id},
        unit_id=report.destination_id,
    )


def choose_destination(user: User, ambulance: Ambulance, hospital: OrganisationUnit) -> PatientReport:
    """Choose the destination among the hospitals that fit the incident (emergency.hospitals.options; for a
    transfer, the referral's receiving hospital always does) and send its staff the pre-arrival notice with the
    handover summary."""
    unit = _assignment(ambulance)
    assert unit.incident is not None
    allowed = {option.unit.pk for option in hospitals.options(unit.incident) if option.selectable}
    if hospital.pk not in allowed:
        raise InvalidInput(
            _("Rumah sakit ini tidak menerima pasien seperti ini atau IGD-nya penuh."), code="invalid", field="hospital"
        )
    with workflow.perform(unit.incident) as step:
        report, _created = PatientReport.objects.get_or_create(
            incident=step.subject, ambulance=unit, defaults={"updated_at": step.now}
        )
        report.destination = hospital
        report.notified_at = step.now
        report.acknowledged_at = None
        report.acknowledged_by = None
        report.updated_at = step.now
        report.save()
        IncidentEntry.objects.create(
            incident=step.subject,
            kind="destination",
            actor=user,
            data={"ambulance": unit.pk, "hospital": hospital.pk},
            is_public=False,
            created_at=step.now,
        )
        _notice_event(report, "pre_arrival", step.now)
    return report


def acknowledge_handover(user: User, report: PatientReport) -> None:
    """The receiving hospital's staff confirm the patient was handed over (once the ambulance is there)."""
    if user.role != RoleChoices.HOSPITAL_STAFF or user.unit_id is None or user.unit_id != report.destination_id:
        raise Forbidden(_("Hanya petugas rumah sakit tujuan yang dapat mengonfirmasi."), code="forbidden")
    with workflow.perform(report) as step:
        fresh = step.subject
        if fresh.acknowledged_at is not None:
            raise InvalidTransition(_("Serah terima sudah dikonfirmasi."), code="already_acknowledged")
        incident = fresh.incident
        if incident.at_hospital_at is None and incident.handover_at is None:
            raise InvalidTransition(_("Ambulans belum tiba di rumah sakit."), code="not_arrived")
        fresh.acknowledged_at = step.now
        fresh.acknowledged_by = user
        fresh.save(update_fields=["acknowledged_at", "acknowledged_by"])
        IncidentEntry.objects.create(
            incident=incident,
            kind="handover_ack",
            actor=user,
            data={"hospital": fresh.destination_id},
            is_public=False,
            created_at=step.now,
        )
        _notice_event(fresh, "handover_ack", step.now)
