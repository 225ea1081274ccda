"""The only code that changes referrals: create (validated patient, diagnosis, vital signs, attachments), send to
one hospital or (emergencies) several at once, accept (first wins, the others withdrawn, a bed reserved) or reject
with a reason, transport, arrival, admission, completion, back-referral, cancellation, and the escalation of
answers later than their target.

Every step is one events.steps step on the referral (row lock on the referral, so two hospitals accepting at the
same moment are serialised and the second gets 409), writing its ReferralEntry rows and one outbox event per entry,
addressed to the referring facility and the hospital the entry concerns (referrals.events)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patriot.accounts.actors import FACILITY_STAFF
from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import User
from patriot.cases.photos import clean_photo
from patriot.core import clock, registry
from patriot.core.errors import Forbidden, InvalidInput, InvalidTransition
from patriot.core.phones import normalise_phone
from patriot.core.registry import TransferRequest
from patriot.core.workflow import StateMachine
from patriot.events import steps
from patriot.events.services import record_event
from patriot.referrals import icd10
from patriot.referrals.access import age_on
from patriot.referrals.choices import (
    BedTypeChoices,
    ChangeSourceChoices,
    ConsciousnessChoices,
    RejectReasonChoices,
    ServiceChoices,
    SexChoices,
    TransportChoices,
    UrgencyChoices,
)
from patriot.referrals.choices import OfferStateChoices as Offer
from patriot.referrals.choices import ReferralActionChoices as Action
from patriot.referrals.choices import ReferralEntryKindChoices as Kind
from patriot.referrals.choices import ReferralStateChoices as State
from patriot.referrals.events import REFERRAL_SUBJECT
from patriot.referrals.models import (
    BedCount,
    Facility,
    PrimaryCareDiagnosis,
    Referral,
    ReferralAttachment,
    ReferralEntry,
    ReferralOffer,
)
from patriot.referrals.nik import check_nik, encrypt_nik, nik_digest
from patriot.referrals.queries import stale_after
from patriot.referrals.services.beds import record_change

REFERRAL_MACHINE = StateMachine(
    {
        Action.SEND: (frozenset({State.DRAFT, State.REQUESTED, State.REJECTED}), State.REQUESTED),
        Action.ACCEPT: (frozenset({State.REQUESTED}), State.ACCEPTED),
        # A rejection leaves the referral waiting for the other hospitals; the last one makes it REJECTED.
        Action.REJECT: (frozenset({State.REQUESTED}), None),
        Action.DEPART: (frozenset({State.ACCEPTED}), State.IN_TRANSIT),
        Action.ARRIVE: (frozenset({State.ACCEPTED, State.IN_TRANSIT}), State.ARRIVED),
        Action.ADMIT: (frozenset({State.ARRIVED}), State.ADMITTED),
        Action.COMPLETE: (frozenset({State.ADMITTED}), State.COMPLETED),
        Action.BACK_REFER: (frozenset({State.ADMITTED, State.COMPLETED}), State.BACK_REFERRED),
        Action.CANCEL: (
            frozenset({State.DRAFT, State.REQUESTED, State.REJECTED, State.ACCEPTED, State.IN_TRANSIT}),
            State.CANCELLED,
        ),
    },
    refusal=lambda action, referral: InvalidTransition(
        _("Rujukan %(number)s berstatus “%(state)s”: langkah “%(action)s” tidak dapat dilakukan.")
        % {"number": referral.number, "state": State.label(referral.state), "action": Action.label(action)},
        code="invalid_transition",
    ),
)

# Which timestamp each step stamps.
STAMPS = {
    Action.DEPART: "departed_at",
    Action.ARRIVE: "arrived_at",
    Action.ADMIT: "admitted_at",
    Action.COMPLETE: "completed_at",
    Action.BACK_REFER: "back_referred_at",
    Action.CANCEL: "cancelled_at",
}
STEP_KINDS = {
    Action.DEPART: Kind.DEPARTED,
    Action.ARRIVE: Kind.ARRIVED,
    Action.ADMIT: Kind.ADMITTED,
    Action.COMPLETE: Kind.COMPLETED,
    Action.BACK_REFER: Kind.BACK_REFERRED,
    Action.CANCEL: Kind.CANCELLED,
}
# Steps the receiving hospital takes; the others are the referrer's.
RECEIVER_ACTIONS_ORDER = (Action.ARRIVE, Action.ADMIT, Action.COMPLETE, Action.BACK_REFER)
RECEIVER_ACTIONS = frozenset(RECEIVER_ACTIONS_ORDER)
MAX_ATTACHMENTS = 5

# Plausible bounds of the vital signs (inclusive): a value outside is a typing error.
VITAL_BOUNDS: dict[str, tuple[float, float]] = {
    "gcs": (3, 15),
    "systolic": (40, 300),
    "diastolic": (20, 200),
    "pulse": (20, 250),
    "respiratory_rate": (4, 80),
    "temperature": (30, 45),
    "spo2": (50, 100),
}
VITAL_LABELS = {
    "gcs": gettext_lazy("GCS"),
    "systolic": gettext_lazy("Tekanan darah sistolik"),
    "diastolic": gettext_lazy("Tekanan darah diastolik"),
    "pulse": gettext_lazy("Nadi"),
    "respiratory_rate": gettext_lazy("Frekuensi napas"),
    "temperature": gettext_lazy("Suhu"),
    "spo2": gettext_lazy("SpO2"),
}


def response_minutes(urgency: str) -> int:
    names = {
        UrgencyChoices.EMERGENCY: "PATRIOT_REFERRAL_RESPONSE_MINUTES_EMERGENCY",
        UrgencyChoices.URGENT: "PATRIOT_REFERRAL_RESPONSE_MINUTES_URGENT",
        UrgencyChoices.ROUTINE: "PATRIOT_REFERRAL_RESPONSE_MINUTES_ROUTINE",
    }
    defaults = {UrgencyChoices.EMERGENCY: 10, UrgencyChoices.URGENT: 30, UrgencyChoices.ROUTINE: 120}
    return int(getattr(settings, names[urgency], defaults[urgency]))


@dataclass(frozen=True)
class ReferralDetails:
    patient_name: str
    nik: str
    birth_date: date
    sex: str
    relative_phone: str
    reason: str
    diagnoses: Sequence[str]
    consciousness: str
    bed_type: str
    urgency: str
    referring_doctor: str
    bpjs_number: str = ""
    gcs: int | None = None
    systolic: int | None = None
    diastolic: int | None = None
    pulse: int | None = None
    respiratory_rate: int | None = None
    temperature: Decimal | None = None
    spo2: int | None = None
    service: str = ""
    maternal: bool = False
    neonatal: bool = False
    # The referrer read the warning that primary care handles this diagnosis and refers anyway.
    primary_care_acknowledged: bool = False
    # Its number in the referring facility's own system (an imported FHIR Bundle's; Referral.source_identifier).
    source_system: str = ""
    source_identifier: str = ""


@dataclass(frozen=True)
class Upload:
    name: str
    stream: IO[bytes]


@dataclass(frozen=True)
class Suggestion:
    facility: Facility
    free: int
    distance_km: float | None
    minutes: int | None
    offers_service: bool = True
    notes: list[str] = field(default_factory=list)


# --- who acts ------------------------------------------------------------------------------------------------


def facility_of(user: User) -> Facility | None:
    """The health facility `user` works for (hospital staff of a puskesmas, clinic or hospital), or None."""
    if user.role != RoleChoices.HOSPITAL_STAFF or user.unit_id is None:
        return None
    return Facility.objects.select_related("unit").filter(unit_id=user.unit_id).first()


def actor_label(user: User | None, facility: Facility | None) -> str:
    """Who took a step, by role and facility: facility staff are named after their facility's kind (a puskesmas's
    staff are not "hospital staff", though they hold the one facility-staff role)."""
    if user is None:
        return _("Sistem")
    role = str(RoleChoices.label(user.role))
    if facility is not None and user.role == RoleChoices.HOSPITAL_STAFF and facility.unit.kind in FACILITY_STAFF:
        role = str(FACILITY_STAFF[facility.unit.kind])
    return f"{role} · {facility.unit.name}" if facility is not None else str(role)


def _referrer(user: User, referral: Referral) -> Facility:
    facility = facility_of(user)
    if facility is None or facility.pk != referral.referring_facility_id:
        raise Forbidden(_("Hanya fasilitas perujuk yang dapat melakukan langkah ini."), code="not_referrer")
    return facility


def _receiver(user: User, referral: Referral) -> tuple[Facility, ReferralOffer]:
    facility = facility_of(user)
    offer = referral.accepted_offer
    if facility is None or offer is None or offer.facility_id != facility.pk:
        raise Forbidden(
            _("Hanya rumah sakit yang menerima rujukan ini yang dapat melakukan langkah ini."), code="not_receiver"
        )
    return facility, offer


# --- validation ----------------------------------------------------------------------------------------------


def _required(value: str, field_name: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field_name)
    return value


def _choice(value: str, allowed: Iterable[str], field_name: str, *, blank: bool = False) -> None:
    if blank and not value:
        return
    if value not in allowed:
        raise InvalidInput(_("Pilih salah satu pilihan."), code="required", field=field_name)


def _vitals(details: ReferralDetails) -> None:
    for name, (low, high) in VITAL_BOUNDS.items():
        value = getattr(details, name)
        if value is not None and not low <= float(value) <= high:
            raise InvalidInput(
                _("%(label)s %(value)s tidak masuk akal (antara %(low)s dan %(high)s).")
                % {"label": VITAL_LABELS[name], "value": value, "low": low, "high": high},
                code="implausible",
                field=name,
            )
    if (details.systolic is None) != (details.diastolic is None):
        raise InvalidInput(_("Isi tekanan darah sistolik dan diastolik."), code="required", field="diastolic")
    if details.systolic is not None and details.diastolic is not None and details.diastolic >= details.systolic:
        raise InvalidInput(
            _("Tekanan diastolik harus lebih rendah dari sistolik."), code="implausible", field="diastolic"
        )


def diagnosis_codes(typed: Sequence[str]) -> list[str]:
    """The typed codes as list codes (unique, in order); an unknown code is refused by name."""
    codes: list[str] = []
    for text in typed:
        if not text.strip():
            continue
        code = icd10.get(text)
        if code is None:
            raise InvalidInput(
                _("Kode ICD-10 “%(code)s” tidak ada dalam daftar.") % {"code": text.strip()},
                code="unknown_diagnosis",
                field="diagnoses",
            )
        if code.code not in codes:
            codes.append(code.code)
    if not codes:
        raise InvalidInput(_("Isi sedikitnya satu diagnosis (ICD-10)."), code="required", field="diagnoses")
    return codes


def primary_care_codes(codes: Sequence[str]) -> list[str]:
    """The codes primary care is expected to handle itself (PrimaryCareDiagnosis, kept by Dinkes)."""
    listed = set(PrimaryCareDiagnosis.objects.filter(active=True, code__in=codes).values_list("code", flat=True))
    return [code for code in codes if code in listed]


def _validate(details: ReferralDetails, referrer: Facility) -> dict[str, Any]:
    today = timezone.localdate(clock.now())  # the city's date, not UTC's
    if details.birth_date > today or details.birth_date < today.replace(year=today.year - 130):
        raise InvalidInput(_("Tanggal lahir tidak masuk akal."), code="implausible", field="birth_date")
    _choice(details.sex, SexChoices.values(), "sex")
    values: dict[str, Any] = {
        "patient_name": _required(details.patient_name, "patient_name", _("Nama pasien"))[:120],
        "reason": _required(details.reason, "reason", _("Alasan merujuk")),
        "referring_doctor": _required(details.referring_doctor, "referring_doctor", _("Dokter perujuk"))[:120],
    }
    nik = check_nik(_required(details.nik, "nik", _("NIK")), birth_date=details.birth_date, sex=details.sex)
    bpjs = "".join(details.bpjs_number.split())
    if bpjs and (len(bpjs) != 13 or not bpjs.isdigit()):
        raise InvalidInput(_("Nomor BPJS harus 13 angka."), code="invalid_bpjs", field="bpjs_number")
    phone = normalise_phone(details.relative_phone, field="relative_phone", label=_("Telepon keluarga"))
    codes = diagnosis_codes(details.diagnoses)
    _choice(details.consciousness, ConsciousnessChoices.values(), "consciousness")
    _vitals(details)
    _choice(details.bed_type, BedTypeChoices.values(), "bed_type")
    _choice(details.service, ServiceChoices.values(), "service", blank=True)
    _choice(details.urgency, UrgencyChoices.values(), "urgency")
    warned = False
    if referrer.unit.kind == UnitKindChoices.PUSKESMAS:
        primary = primary_care_codes(codes)
        if primary and not details.primary_care_acknowledged:
            raise InvalidInput(
                _(
                    "Diagnosis %(codes)s termasuk yang diharapkan ditangani di puskesmas. Tulis di alasan mengapa "
                    "pasien tetap perlu dirujuk, lalu centang konfirmasi."
                )
                % {"codes": ", ".join(primary)},
                code="primary_care",
                field="primary_care_acknowledged",
            )
        warned = bool(primary)
    return values | {
        "nik_digest": nik_digest(nik),
        "nik_encrypted": encrypt_nik(nik),
        "nik_last4": nik[-4:],
        "birth_date": details.birth_date,
        "sex": details.sex,
        "bpjs_number": bpjs,
        "relative_phone": phone,
        "diagnoses": codes,
        "primary_care_warned": warned,
        "source_system": details.source_system,
        "source_identifier": details.source_identifier,
        "consciousness": details.consciousness,
        "gcs": details.gcs,
        "systolic": details.systolic,
        "diastolic": details.diastolic,
        "pulse": details.pulse,
        "respiratory_rate": details.respiratory_rate,
        "temperature": details.temperature,
        "spo2": details.spo2,
        "bed_type": details.bed_type,
        "service": details.service,
        "urgency": details.urgency,
        "maternal": details.maternal,
        "neonatal": details.neonatal,
    }


# --- events --------------------------------------------------------------------------------------------------


def _units(referral: Referral, *facilities: Facility | None) -> list[int]:
    units = [referral.referring_facility.unit_id]
    units += [facility.unit_id for facility in facilities if facility is not None]
    return list(dict.fromkeys(units))


def _log(
    referral: Referral,
    *,
    kind: str,
    at: datetime,
    user: User | None,
    facility: Facility | None,
    concerns: Facility | None = None,
    from_state: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
    is_public: bool = True,
    escalated: bool = False,
) -> ReferralEntry:
    """One timeline entry and its event, addressed to the referrer and the hospital `concerns` names (ids only)."""
    payload: dict[str, Any] = {
        "referral": referral.pk,
        "state": referral.state,
        "urgency": referral.urgency,
        "units": _units(referral, facility, concerns),
    }
    if escalated:
        payload["escalated"] = True
    return steps.log(
        ReferralEntry,
        referral=referral,
        kind=kind,
        actor=user,
        actor_label=actor_label(user, facility),
        facility=facility,
        from_state=from_state,
        to_state=referral.state,
        note=note,
        data=data or {},
        is_public=is_public,
        at=at,
        event=f"referral.{kind}",
        subject_type=REFERRAL_SUBJECT,
        subject_id=str(referral.pk),
        payload=payload,
        record=record_event,
    )


# --- beds ----------------------------------------------------------------------------------------------------


def _move_bed(
    facility: Facility, bed_type: str, user: User | None, *, reserved: int, occupied: int, at: datetime
) -> BedCount | None:
    """Change a hospital's reserved/occupied figures by a referral (row lock, BedChange), inside the step.

    Reserving needs a free bed (InvalidInput otherwise); releasing a reservation never goes below zero."""
    bed = BedCount.objects.select_for_update().filter(facility=facility, bed_type=bed_type).first()
    if bed is None:
        if reserved > 0:
            raise InvalidInput(
                _("Rumah sakit Anda belum mendaftarkan tempat tidur %(type)s. Daftarkan dulu, atau tolak rujukan.")
                % {"type": BedTypeChoices.label(bed_type)},
                code="no_bed",
            )
        return None
    if reserved > 0 and bed.free < reserved:
        raise InvalidInput(
            _("Tidak ada tempat tidur %(type)s kosong. Perbarui angka tempat tidur atau tolak rujukan ini.")
            % {"type": BedTypeChoices.label(bed_type)},
            code="no_bed",
        )
    bed.reserved = max(0, bed.reserved + reserved)
    bed.occupied = min(bed.total - bed.reserved, max(0, bed.occupied + occupied))
    bed.updated_at = at
    bed.updated_by = user
    bed.facility = facility  # its unit already read: the event names the hospital without a query
    bed.save()
    # The public board shows the reservation at once (a live "beds" event, like a tap), not on its next reload.
    record_change(bed, at, user, ChangeSourceChoices.REFERRAL)
    return bed


# --- steps ---------------------------------------------------------------------------------------------------


def create_referral(user: User, details: ReferralDetails, uploads: Sequence[Upload] = ()) -> Referral:
    """Write a referral (not sent yet) from the referring facility's staff: validated, with its attachments."""
    referrer = facility_of(user)
    if referrer is None:
        raise Forbidden(_("Hanya petugas fasilitas kesehatan yang dapat membuat rujukan."), code="not_facility_staff")
    values = _validate(details, referrer)
    if len(uploads) > MAX_ATTACHMENTS:
        raise InvalidInput(
            _("Paling banyak %(count)d lampiran.") % {"count": MAX_ATTACHMENTS}, code="too_many", field="attachments"
        )
    cleaned = [(upload.name, clean_photo(upload.stream, name=upload.name)) for upload in uploads]
    now = clock.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                referring_facility=referrer, created_by=user, created_at=now, state=State.DRAFT, **values
            )
            for index, (_name, photo) in enumerate(cleaned, start=1):
                attachment = ReferralAttachment(
                    referral=referral, content_type=photo.content_type, size=len(photo.content), uploaded_at=now
                )
                attachment.file.save(f"{index}.{photo.extension}", ContentFile(photo.content), save=False)
                written.append(attachment.file.name)
                attachment.save()
            _log(referral, kind=Kind.CREATED, at=now, user=user, facility=referrer)
    except BaseException:
        from django.core.files.storage import default_storage

        for name in written:
            default_storage.delete(name)
        raise
    return referral


def _travel(referrer: Facility, target: Facility) -> tuple[float | None, int | None]:
    a, b = referrer.unit, target.unit
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return None, None
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    km = 2 * 6371.0 * math.asin(math.sqrt(h)) * float(getattr(settings, "PATRIOT_REFERRAL_ROAD_FACTOR", 1.4))
    speed = float(getattr(settings, "PATRIOT_REFERRAL_SPEED_KMH", 30))
    return round(km, 1), max(1, round(km / speed * 60))


def suggest(referral: Referral) -> list[Suggestion]:
    """Hospitals with a current free bed of the referral's type (and its service, if one is named) that it was not
    sent to yet, nearest first by travel estimate (straight line × road factor). Two queries: the hospitals already
    asked, and the current free beds of that type (free and fresh decided in SQL)."""
    already = set(referral.offers.values_list("facility_id", flat=True)) | {referral.referring_facility_id}
    now = clock.now()
    beds = (
        BedCount.objects.filter(
            bed_type=referral.bed_type,
            facility__unit__is_active=True,
            facility__unit__kind__in=(UnitKindChoices.HOSPITAL, UnitKindChoices.CLINIC),
            updated_at__gte=now - stale_after(),
        )
        .annotate(free_now=F("total") - F("occupied") - F("reserved"))
        .filter(free_now__gt=0)
        .exclude(facility_id__in=already)
        .select_related("facility__unit")
        # Only what the suggestion shows and sorts by: ~50 rows of three models, every other column left out.
        .only(
            "total",
            "occupied",
            "reserved",
            "facility__services",
            "facility__unit__code",
            "facility__unit__name",
            "facility__unit__latitude",
            "facility__unit__longitude",
        )
    )
    referrer = referral.referring_facility
    found = []
    for bed in beds:
        # A hospital whose services are not listed yet is not excluded (unknown is not "no").
        if referral.service and bed.facility.services and referral.service not in bed.facility.services:
            continue
        km, minutes = _travel(referrer, bed.facility)
        found.append(Suggestion(bed.facility, bed.free, km, minutes))
    found.sort(key=lambda s: (s.minutes is None, s.minutes or 0, s.facility.unit.name))
    return found


def send(user: User, referral: Referral, facility_ids: Sequence[int]) -> list[ReferralOffer]:
    """Send the referral to hospitals: one (any urgency), or up to PATRIOT_REFERRAL_MAX_PARALLEL at once for an
    emergency, where the first to accept wins. A referral still waiting takes more hospitals only if emergency."""
    referrer = _referrer(user, referral)
    wanted = list(dict.fromkeys(int(pk) for pk in facility_ids))
    if not wanted:
        raise InvalidInput(_("Pilih rumah sakit tujuan."), code="required", field="hospitals")
    limit = int(getattr(settings, "PATRIOT_REFERRAL_MAX_PARALLEL", 3))
    targets = list(
        Facility.objects.select_related("unit").filter(
            pk__in=wanted, unit__is_active=True, unit__kind__in=(UnitKindChoices.HOSPITAL, UnitKindChoices.CLINIC)
        )
    )
    if len(targets) != len(wanted) or referrer.pk in wanted:
        raise InvalidInput(_("Rumah sakit tujuan tidak dikenal."), code="unknown_hospital", field="hospitals")
    with steps.perform(referral, machine=REFERRAL_MACHINE, action=Action.SEND, related=("referring_facility",)) as step:
        subject = step.subject
        offers = list(ReferralOffer.objects.select_for_update().filter(referral=subject))
        pending = [offer for offer in offers if offer.state == Offer.PENDING]
        if subject.urgency != UrgencyChoices.EMERGENCY and (len(wanted) > 1 or pending):
            raise InvalidInput(
                _("Rujukan yang bukan gawat darurat dikirim ke satu rumah sakit dan menunggu jawabannya."),
                code="one_at_a_time",
                field="hospitals",
            )
        if len(pending) + len(wanted) > limit:
            raise InvalidInput(
                _("Paling banyak %(count)d rumah sakit sekaligus.") % {"count": limit},
                code="too_many",
                field="hospitals",
            )
        if {offer.facility_id for offer in offers} & set(wanted):
            raise InvalidInput(
                _("Rujukan ini sudah pernah dikirim ke rumah sakit itu."), code="already_sent", field="hospitals"
            )
        previous = REFERRAL_MACHINE.move(subject, Action.SEND)
        subject.save(update_fields=["state"])
        due = step.now + timedelta(minutes=response_minutes(subject.urgency))
        created = []
        for target in sorted(targets, key=lambda f: wanted.index(f.pk)):
            km, _minutes = _travel(referrer, target)
            offer = ReferralOffer.objects.create(
                referral=subject, facility=target, sent_at=step.now, sent_by=user, due_at=due, distance_km=km
            )
            created.append(offer)
            _log(
                subject,
                kind=Kind.SENT,
                at=step.now,
                user=user,
                facility=referrer,
                concerns=target,
                from_state=previous,
                data={"offer": offer.pk, "hospital": target.unit.name},
            )
    return created


def _offer_for(user: User, referral: Referral) -> tuple[Facility, ReferralOffer]:
    facility = facility_of(user)
    offer = referral.offers.filter(facility=facility).first() if facility is not None else None
    if facility is None or offer is None:
        raise Forbidden(_("Rujukan ini tidak dikirim ke rumah sakit Anda."), code="not_recipient")
    return facility, offer


def _locked_pending_offer(referral: Referral, facility: Facility) -> tuple[list[ReferralOffer], ReferralOffer]:
    """Inside an answer's step (accept/reject): every copy of the referral, locked, and `facility`'s own, which must
    still be waiting for its answer."""
    offers = list(ReferralOffer.objects.select_for_update().filter(referral=referral).select_related("facility"))
    mine = next(offer for offer in offers if offer.facility_id == facility.pk)
    if mine.state != Offer.PENDING:
        raise InvalidTransition(
            _("Rujukan ini sudah %(state)s untuk rumah sakit Anda.") % {"state": Offer.label(mine.state).lower()},
            code="invalid_transition",
        )
    return offers, mine


def accept(user: User, referral: Referral) -> ReferralOffer:
    """The user's hospital accepts: a bed of the referral's type is reserved (BedCount.reserved +1, a BedChange),
    every other hospital's copy is withdrawn — all in one transaction under the referral's row lock."""
    facility, _offer = _offer_for(user, referral)
    with steps.perform(
        referral, machine=REFERRAL_MACHINE, action=Action.ACCEPT, related=("referring_facility",)
    ) as step:
        subject = step.subject
        offers, mine = _locked_pending_offer(subject, facility)
        _move_bed(facility, subject.bed_type, user, reserved=1, occupied=0, at=step.now)
        mine.state, mine.responded_at, mine.responded_by, mine.bed_reserved = Offer.ACCEPTED, step.now, user, True
        mine.save()
        previous = REFERRAL_MACHINE.move(subject, Action.ACCEPT)
        subject.accepted_offer = mine
        subject.status_reason = ""
        subject.save(update_fields=["state", "accepted_offer", "status_reason"])
        _log(
            subject,
            kind=Kind.ACCEPTED,
            at=step.now,
            user=user,
            facility=facility,
            from_state=previous,
            data={"offer": mine.pk},
        )
        for other in offers:
            if other.pk != mine.pk and other.state == Offer.PENDING:
                other.state, other.responded_at = Offer.WITHDRAWN, step.now
                other.save(update_fields=["state", "responded_at"])
                _log(
                    subject,
                    kind=Kind.WITHDRAWN,
                    at=step.now,
                    user=None,
                    facility=None,
                    concerns=other.facility,
                    data={"offer": other.pk, "hospital": other.facility.unit.name},
                    note=_("Rumah sakit lain sudah menerima."),
                )
    mine.referral = referral
    return mine


def reject(user: User, referral: Referral, reason: str, note: str = "") -> ReferralOffer:
    """The user's hospital says no, with a reason from the list ("other" needs a note). The last hospital's no
    makes the referral REJECTED, and the referrer sends it on to the next hospital in one action."""
    facility, _offer = _offer_for(user, referral)
    _choice(reason, RejectReasonChoices.values(), "reason")
    note = (note or "").strip()[:300]
    if reason == RejectReasonChoices.OTHER and not note:
        raise InvalidInput(_("Tuliskan alasan lainnya."), code="required", field="note")
    with steps.perform(
        referral, machine=REFERRAL_MACHINE, action=Action.REJECT, related=("referring_facility",)
    ) as step:
        subject = step.subject
        offers, mine = _locked_pending_offer(subject, facility)
        mine.state, mine.responded_at, mine.responded_by = Offer.REJECTED, step.now, user
        mine.reject_reason, mine.reject_note = reason, note
        mine.save()
        previous = subject.state
        if not any(offer.state == Offer.PENDING for offer in offers if offer.pk != mine.pk):
            subject.state = State.REJECTED
            subject.status_reason = RejectReasonChoices.label(reason) + (f": {note}" if note else "")
            subject.save(update_fields=["state", "status_reason"])
        _log(
            subject,
            kind=Kind.REJECTED,
            at=step.now,
            user=user,
            facility=facility,
            from_state=previous,
            note=note,
            data={"reason": reason, "offer": mine.pk},
        )
    return mine


def send_next(user: User, referral: Referral) -> list[ReferralOffer]:
    """One action after a rejection: send to the nearest suggested hospital with a free bed."""
    suggestions = suggest(referral)
    if not suggestions:
        raise InvalidInput(
            _("Tidak ada rumah sakit lain dengan tempat tidur %(type)s kosong saat ini.")
            % {"type": BedTypeChoices.label(referral.bed_type)},
            code="no_suggestion",
        )
    return send(user, referral, [suggestions[0].facility.pk])


def depart(user: User, referral: Referral, transport: str) -> Referral:
    """The patient leaves the referring facility: by own transport, or by an ambulance asked of SPGDT (recorded as
    its own step; the registered transfer requester, emergency's, opens PSC 119's transfer incident in this
    step's transaction)."""
    facility = _referrer(user, referral)
    _choice(transport, TransportChoices.values(), "transport")
    with steps.perform(
        referral, machine=REFERRAL_MACHINE, action=Action.DEPART, related=("referring_facility",)
    ) as step:
        subject = step.subject
        subject.transport = transport
        if transport == TransportChoices.AMBULANCE:
            subject.ambulance_requested_at = step.now
            _log(
                subject,
                kind=Kind.AMBULANCE_REQUESTED,
                at=step.now,
                user=user,
                facility=facility,
                concerns=_accepting(subject),
            )
            requester = registry.transfer_requester()
            if requester is not None:
                requester(_transfer_request(user, subject, facility))
        _stamp_step(
            subject,
            Action.DEPART,
            step.now,
            stamped=step.now,
            user=user,
            facility=facility,
            data={"transport": transport},
        )
    return referral


def _stamp_step(
    referral: Referral,
    action: str,
    now: datetime,
    *,
    stamped: datetime,
    user: User | None,
    facility: Facility | None,
    concerns: Facility | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Inside a transport/care step's transaction: move the state, stamp the step's time field (STAMPS), save, and
    write the step on the timeline, concerning the accepting hospital unless `concerns` names one."""
    previous = REFERRAL_MACHINE.move(referral, action)
    setattr(referral, STAMPS[action], stamped)
    referral.save()
    if action == Action.ADMIT:
        _announce_admission_diagnosis(referral, now)
    _log(
        referral,
        kind=STEP_KINDS[action],
        at=now,
        user=user,
        facility=facility,
        concerns=concerns or _accepting(referral),
        from_state=previous,
        note=note,
        data=data,
    )


def _transfer_request(user: User, referral: Referral, referrer: Facility) -> TransferRequest:
    """What SPGDT/PSC 119 is told when asked for an ambulance (core.registry): where from, where to, how urgent and
    the vital signs its level is read from; the patient's identity it reads through referrals.access."""
    accepting = _accepting(referral)
    unit = referrer.unit
    return TransferRequest(
        referral_id=referral.pk,
        referral_number=referral.number,
        urgency=referral.urgency,
        origin_unit_id=unit.pk,
        origin_name=unit.name,
        latitude=unit.latitude,
        longitude=unit.longitude,
        destination_unit_id=accepting.unit_id if accepting is not None else None,
        requested_by_id=user.pk,
        age_years=age_on(referral.birth_date, timezone.localdate(clock.now())),
        gcs=referral.gcs,
        systolic=referral.systolic,
        spo2=referral.spo2,
        respiratory_rate=referral.respiratory_rate,
    )


def _accepting(referral: Referral) -> Facility | None:
    if referral.accepted_offer_id is None:
        return None
    return Facility.objects.select_related("unit").get(referral_offers__pk=referral.accepted_offer_id)


def step(user: User, referral: Referral, action: str, note: str = "") -> Referral:
    """arrive / admit / complete / back_refer (the receiving hospital) or cancel (the referrer)."""
    if action not in STAMPS or action == Action.DEPART:
        raise InvalidInput(_("Langkah tidak dikenal."), code="unknown_action", field="action")
    note = (note or "").strip()
    if action in RECEIVER_ACTIONS:
        facility, _offer = _receiver(user, referral)
    else:
        facility = _referrer(user, referral)
    if action in (Action.BACK_REFER, Action.CANCEL) and not note:
        label = _("Catatan pulang (rujuk balik)") if action == Action.BACK_REFER else _("Alasan pembatalan")
        raise InvalidInput(_("%(label)s wajib diisi.") % {"label": label}, code="required", field="note")
    with steps.perform(referral, machine=REFERRAL_MACHINE, action=action, related=("referring_facility",)) as step:
        subject = step.subject
        receiving = _accepting(subject)
        if action == Action.ADMIT and receiving is not None and subject.accepted_offer_id is not None:
            _move_bed(receiving, subject.bed_type, user, reserved=-1, occupied=1, at=step.now)
            ReferralOffer.objects.filter(pk=subject.accepted_offer_id).update(bed_reserved=False)
        if action == Action.CANCEL:
            _withdraw_all(subject, user, facility, step.now, receiving)
            subject.status_reason = note[:300]
        if action == Action.BACK_REFER:
            subject.back_referral_note = note
        _stamp_step(
            subject,
            action,
            step.now,
            stamped=step.now,
            user=user,
            facility=facility,
            concerns=receiving,
            note=note if action == Action.CANCEL else "",
        )
    return referral


def _announce_admission_diagnosis(referral: Referral, at: datetime) -> None:
    """Admission is when a referral's diagnosis counts as a case (core.registry.announce_diagnosis; larvae records
    dengue from it): the receiving hospital has examined the patient and keeps them with that diagnosis, the
    hospital's notification (KDRS) Dinkes acts on in dengue surveillance. Completion comes days later, and a patient
    may be referred back without it. Referrals hold no patient address: the kelurahan is the referring facility's,
    and the announcement says so. Without names, inside the step's transaction (one admission, one announcement)."""
    unit = referral.referring_facility.unit
    registry.announce_diagnosis(
        registry.DiagnosisMade(
            source=REFERRAL_SUBJECT,
            source_ref=referral.number,
            codes=tuple(referral.diagnoses or ()),
            on=timezone.localdate(at),
            village_id=unit.village_id,
            rw=None,
            place="referring_facility",
        )
    )


def record_transfer_arrival(referral_id: int, at: datetime) -> None:
    """The SPGDT ambulance carrying the referral's patient reached the accepting hospital (emergency, through
    core.registry): the referral's ARRIVE step, by the system, when the referral is in transit; a referral the
    hospital already marked arrived, or cancelled, is left as it is."""
    referral = Referral.objects.filter(pk=referral_id).first()
    if referral is None or not REFERRAL_MACHINE.allows(Action.ARRIVE, referral.state):
        return
    try:
        _arrive_by_ambulance(referral, at)
    except InvalidTransition:
        return  # the hospital took the step meanwhile (its savepoint is rolled back, the ambulance's step stands)


def record_transfer_diversion(referral_id: int, at: datetime, hospital: str) -> None:
    """The SPGDT ambulance carrying the referral's patient reached another hospital than the accepting one (or one
    its crew did not name; emergency, through core.registry): the referral does not arrive, and its timeline says
    where the ambulance went, for the referrer and the accepting hospital."""
    referral = Referral.objects.filter(pk=referral_id).select_related("referring_facility").first()
    if referral is None:
        return
    if hospital:
        note = _("Ambulans PSC 119 tiba di %(hospital)s, bukan rumah sakit tujuan rujukan.") % {"hospital": hospital}
    else:
        note = _("Ambulans PSC 119 tiba di rumah sakit yang tidak dipilih kru, bukan rumah sakit tujuan rujukan.")
    _log(
        referral,
        kind=Kind.AMBULANCE_DIVERTED,
        at=at,
        user=None,
        facility=None,
        concerns=_accepting(referral),
        note=note,
        data={"hospital": hospital},
    )


def _arrive_by_ambulance(referral: Referral, at: datetime) -> None:
    with steps.perform(
        referral, machine=REFERRAL_MACHINE, action=Action.ARRIVE, related=("referring_facility",)
    ) as step:
        _stamp_step(
            step.subject,
            Action.ARRIVE,
            step.now,
            stamped=at,
            user=None,
            facility=None,
            note=_("Ambulans PSC 119 tiba di rumah sakit."),
        )


def _withdraw_all(
    referral: Referral, user: User, facility: Facility, now: datetime, receiving: Facility | None
) -> None:
    for offer in ReferralOffer.objects.select_for_update().filter(referral=referral).select_related("facility__unit"):
        if offer.state == Offer.PENDING:
            offer.state, offer.responded_at = Offer.WITHDRAWN, now
            offer.save(update_fields=["state", "responded_at"])
            _log(
                referral,
                kind=Kind.WITHDRAWN,
                at=now,
                user=user,
                facility=facility,
                concerns=offer.facility,
                data={"offer": offer.pk, "hospital": offer.facility.unit.name},
            )
        elif offer.state == Offer.ACCEPTED and offer.bed_reserved:
            _move_bed(offer.facility, referral.bed_type, user, reserved=-1, occupied=0, at=now)
            offer.bed_reserved = False
            offer.save(update_fields=["bed_reserved"])


def escalate_overdue() -> int:
    """The worker's job: every hospital copy still unanswered after its target gets one escalation entry
    (internal) and an event Dinkes and the POC receive; returns how many."""
    now = clock.now()
    count = 0
    due = list(
        ReferralOffer.objects.filter(state=Offer.PENDING, escalated_at__isnull=True, due_at__lte=now).values_list(
            "pk", flat=True
        )[:200]
    )
    for pk in due:
        with transaction.atomic():
            offer = (
                ReferralOffer.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("facility__unit", "referral__referring_facility")
                .filter(pk=pk, state=Offer.PENDING, escalated_at__isnull=True)
                .first()
            )
            if offer is None:
                continue
            offer.escalated_at = now
            offer.save(update_fields=["escalated_at"])
            minutes = response_minutes(offer.referral.urgency)
            _log(
                offer.referral,
                kind=Kind.ESCALATED,
                at=now,
                user=None,
                facility=None,
                concerns=offer.facility,
                is_public=False,
                escalated=True,
                data={"offer": offer.pk, "hospital": offer.facility.unit.name, "minutes": minutes},
            )
            count += 1
    return count


def purge_finished(before: datetime) -> int:
    """Retention (medical records, 25 years by default): delete finished referrals made before `before`, with their
    timeline and attachment files."""
    from django.core.files.storage import default_storage

    finished = Referral.objects.filter(created_at__lt=before).exclude(state__in=State.OPEN)
    for name in ReferralAttachment.objects.filter(referral__in=finished).values_list("file", flat=True):
        default_storage.delete(name)
    deleted = finished.count()
    finished.delete()
    return deleted


def set_primary_care(user: User, code: str, *, active: bool, note: str = "") -> PrimaryCareDiagnosis:
    """Dinkes keeps the primary-care list: add a code of the ICD-10 list, or switch one on or off."""
    from patriot.referrals.access import is_dinkes

    if not is_dinkes(user):
        raise Forbidden(_("Hanya Dinkes yang dapat mengubah daftar diagnosis layanan primer."), code="not_dinkes")
    known = icd10.get(code)
    if known is None:
        raise InvalidInput(
            _("Kode ICD-10 “%(code)s” tidak ada dalam daftar.") % {"code": code.strip()},
            code="unknown_diagnosis",
            field="code",
        )
    row, _created = PrimaryCareDiagnosis.objects.update_or_create(
        code=known.code, defaults={"active": active, **({"note": note.strip()[:200]} if note.strip() else {})}
    )
    return row
