"""Who may read which referral, and how much of its patient (issue 12 item 10, UU PDP). Every page, API and export
of referrals asks here; nothing else decides.

- Dinkes: health officers of the city's health agency (settings.PATRIOT_HEALTH_AGENCY_CODE, Dinas Kesehatan Kota
  Bekasi by default). A health officer of any other agency, or of a puskesmas, is not Dinkes and sees no patient.
- The referring facility's hospital staff: the whole referral.
- A hospital the referral was offered to: while its offer is pending (an emergency may be offered to several
  hospitals at once, the first to accept wins) it reads what it needs to decide — age, sex, diagnoses, vital signs,
  bed type, urgency — with the NIK masked (last 4 digits) and no name, birth date, BPJS number, relative's phone or
  attachment. Once it accepted: the whole referral. Once it rejected or its offer was withdrawn: nothing.
- PSC 119's call takers and dispatchers: the referral whose patient an ambulance of theirs transports (an
  inter-facility transfer incident carries it), on its transport sheet: identity, diagnoses, vital signs, where from
  and where to, no attachment. Which referrals those are, the registered referral transport reader answers
  (core.registry; emergency's, so referrals never imports emergency); no other referral.
- Anyone else: nothing (404).

Every display of a patient's identity is recorded (core.PersonalDataAccess) with its purpose; a masked read shows no
identity and records nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock, registry
from patriot.core.audit import record_access
from patriot.core.choices import PersonalDataChoices
from patriot.events.audience import Viewer
from patriot.referrals.choices import OfferStateChoices
from patriot.referrals.models import Facility, Referral, ReferralOffer
from patriot.referrals.nik import decrypt_nik, mask_nik

SUBJECT = "referral"


def health_agency_code() -> str:
    return str(settings.PATRIOT_HEALTH_AGENCY_CODE)


def is_dinkes(user: Viewer) -> bool:
    """A health officer of the city's health agency (Dinkes); other agencies' and puskesmas' health officers are
    not."""
    return (
        user.role == RoleChoices.HEALTH_OFFICER and bool(user.agency_code) and user.agency_code == health_agency_code()
    )


def user_facility(user: User) -> Facility | None:
    """The facility whose hospital staff `user` is: only a facility's hospital staff work referrals."""
    if not user.is_authenticated or user.role != RoleChoices.HOSPITAL_STAFF or user.unit_id is None:
        return None
    return Facility.objects.select_related("unit").filter(unit_id=user.unit_id).first()


def visible_referrals(user: User) -> QuerySet[Referral]:
    """The referrals `user` may open at all (identity or masked: see `reading`)."""
    base = Referral.objects.select_related("referring_facility__unit", "accepted_offer__facility__unit")
    if not user.is_authenticated:
        return base.none()
    if is_dinkes(user):
        return base
    facility = user_facility(user)
    if facility is None:
        return base.none()
    # A hospital sees a referral while it is asked (pending) and once it accepted; after it rejected, or was
    # withdrawn because another accepted, the patient is no longer its business.
    answering = Q(offers__facility=facility, offers__state__in=(OfferStateChoices.PENDING, OfferStateChoices.ACCEPTED))
    return base.filter(Q(referring_facility=facility) | answering).distinct()


@dataclass(frozen=True)
class Reading:
    """How `user` reads one referral they may see: as whom, whether the patient's identity is shown, and the purpose
    recorded when it is."""

    referral: Referral
    facility: Facility | None
    offer: ReferralOffer | None
    is_referrer: bool
    is_dinkes: bool
    identity: bool
    purpose: str

    @property
    def is_receiver(self) -> bool:
        return self.offer is not None and self.offer.state == OfferStateChoices.ACCEPTED


def reading(user: User, referral: Referral) -> Reading:
    """`user`'s reading of `referral`, which they may see (visible_referrals)."""
    facility = user_facility(user)
    is_referrer = facility is not None and facility.pk == referral.referring_facility_id
    offer = (
        ReferralOffer.objects.filter(referral=referral, facility=facility).select_related("facility__unit").first()
        if facility is not None and not is_referrer
        else None
    )
    dinkes = is_dinkes(user)
    accepted = offer is not None and offer.state == OfferStateChoices.ACCEPTED
    if is_referrer:
        purpose = _("Merujuk pasien")
    elif offer is not None:
        purpose = _("Menerima rujukan")
    else:
        purpose = _("Pengawasan rujukan Dinkes")
    return Reading(
        referral=referral,
        facility=facility,
        offer=offer,
        is_referrer=is_referrer,
        is_dinkes=dinkes,
        identity=is_referrer or accepted or dinkes,
        purpose=purpose,
    )


def find_reading(user: User, pk: int) -> Reading | None:
    referral = visible_referrals(user).filter(pk=pk).first()
    return reading(user, referral) if referral is not None else None


@dataclass(frozen=True)
class Patient:
    """The patient as a reader is shown them: with identity, or masked (no name, birth date, BPJS number or
    relative's phone; the NIK's last 4 digits; the age in whole years instead of the birth date)."""

    identity: bool
    name: str
    nik: str
    birth_date: date | None
    age: int
    sex: str
    bpjs_number: str
    relative_phone: str


def age_on(birth_date: date, day: date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def patient(referral: Referral, *, identity: bool) -> Patient:
    age = age_on(referral.birth_date, timezone.localdate(clock.now()))
    if not identity:
        return Patient(False, "", mask_nik(referral.nik_last4), None, age, referral.sex, "", "")
    return Patient(
        True,
        referral.patient_name,
        decrypt_nik(referral.nik_encrypted),
        referral.birth_date,
        age,
        referral.sex,
        referral.bpjs_number,
        referral.relative_phone,
    )


def record_identity_reads(user: User, referrals: list[Referral], purpose: str, *, diagnosis: bool = False) -> None:
    """Record that `user` was shown these referrals' patients (and their diagnoses) for `purpose`."""
    if not referrals:
        return
    ids = [referral.pk for referral in referrals]
    kinds = [PersonalDataChoices.PATIENT_IDENTITY, *([PersonalDataChoices.DIAGNOSIS] if diagnosis else [])]
    for data in kinds:
        record_access(user, subject_type=SUBJECT, subject_ids=ids, data=data, purpose=purpose)


@dataclass(frozen=True)
class TransportReading:
    """A referral read to transport its patient (PSC 119), and the purpose its read is recorded with."""

    referral: Referral
    purpose: str


def transport_reading(user: User, pk: int) -> TransportReading | None:
    """`user`'s reading of referral `pk` for its transport, or None when they transport no such referral."""
    reader = registry.referral_transport_reader()
    if not user.is_authenticated or reader is None:
        return None
    purpose = reader(user, [pk]).get(pk)
    if purpose is None:
        return None
    referral = (
        Referral.objects.select_related("referring_facility__unit", "accepted_offer__facility__unit")
        .filter(pk=pk)
        .first()
    )
    return TransportReading(referral, purpose) if referral is not None else None
