"""A health facility's profile (one per accounts.OrganisationUnit) and its beds: the current figure per bed type
(BedCount) and every change to it (BedChange), written together by services.set_beds / services.tap."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patriot.core.models import TimelineEntryBase
from patriot.referrals.choices import (
    BedTypeChoices,
    ChangeSourceChoices,
    ConsciousnessChoices,
    HospitalClassChoices,
    OfferStateChoices,
    OwnershipChoices,
    ReferralStateChoices,
    RejectReasonChoices,
    ServiceChoices,
    SexChoices,
    TransportChoices,
    UrgencyChoices,
)


class Facility(models.Model):
    """What referrals need to know of a health facility beyond its unit (name, kind and point live there)."""

    unit = models.OneToOneField(
        "accounts.OrganisationUnit", on_delete=models.CASCADE, related_name="facility", verbose_name=_("unit")
    )
    hospital_class = models.CharField(
        _("kelas rumah sakit"), max_length=1, blank=True, choices=HospitalClassChoices.choices()
    )
    ownership = models.CharField(_("kepemilikan"), max_length=16, blank=True, choices=OwnershipChoices.choices())
    services = models.JSONField(_("layanan"), default=list, blank=True)
    phone = models.CharField(_("telepon"), max_length=40, blank=True)
    registry_code = models.CharField(_("kode RS (Kemenkes)"), max_length=20, blank=True)
    # The seed's names and points come from secondary sources: shown as approximate until checked against Dinkes.
    name_approximate = models.BooleanField(_("nama perkiraan"), default=False)
    point_approximate = models.BooleanField(_("lokasi perkiraan"), default=False)
    # Services inferred from the class and the name (no public list per hospital was found): shown as approximate.
    services_approximate = models.BooleanField(_("layanan perkiraan"), default=False)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("fasilitas kesehatan")
        verbose_name_plural = _("fasilitas kesehatan")

    def __str__(self) -> str:
        return self.unit.name

    def clean(self) -> None:
        unknown = [value for value in self.services or [] if value not in ServiceChoices.values()]
        if not isinstance(self.services, list) or unknown:
            raise ValidationError({"services": _("Layanan tidak dikenal: %(values)s.") % {"values": unknown}})


class BedCount(models.Model):
    """The current figures of one bed type at one hospital. free = total − occupied − reserved."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="beds", verbose_name=_("fasilitas"))
    bed_type = models.CharField(_("jenis tempat tidur"), max_length=20, choices=BedTypeChoices.choices())
    room = models.CharField(_("ruang"), max_length=100, blank=True)
    total = models.PositiveIntegerField(_("jumlah"))
    occupied = models.PositiveIntegerField(_("terpakai"), default=0)
    reserved = models.PositiveIntegerField(_("disiapkan"), default=0)
    queue = models.PositiveIntegerField(_("antrean"), default=0)
    updated_at = models.DateTimeField(_("diperbarui"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["facility", "bed_type"]
        verbose_name = _("ketersediaan tempat tidur")
        verbose_name_plural = _("ketersediaan tempat tidur")
        constraints = [
            models.UniqueConstraint(fields=["facility", "bed_type"], name="bedcount_facility_type_unique"),
            models.CheckConstraint(
                condition=Q(occupied__lte=F("total") - F("reserved")), name="bedcount_occupied_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} · {BedTypeChoices.label(self.bed_type)}"

    @property
    def free(self) -> int:
        return max(0, self.total - self.occupied - self.reserved)


class BedChange(models.Model):
    """One change of a BedCount: the figures after it, when, by whom and how."""

    bed_count = models.ForeignKey(BedCount, on_delete=models.CASCADE, related_name="changes")
    total = models.PositiveIntegerField(_("jumlah"))
    occupied = models.PositiveIntegerField(_("terpakai"))
    reserved = models.PositiveIntegerField(_("disiapkan"))
    queue = models.PositiveIntegerField(_("antrean"))
    changed_at = models.DateTimeField(_("waktu"), db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("sumber"), max_length=8, choices=ChangeSourceChoices.choices())

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("perubahan tempat tidur")
        verbose_name_plural = _("perubahan tempat tidur")

    def __str__(self) -> str:
        return f"{self.bed_count} @ {self.changed_at:%Y-%m-%d %H:%M}"


# --- referrals (Sirine): a referral, its copies sent to hospitals, its timeline and attachments ---------------


class Referral(models.Model):
    """One patient referred by a facility (FHIR ServiceRequest, intent "order"). Health data under UU PDP: only
    the referring facility, the hospitals it was sent to and Dinkes read it (referrals.queries.visible_referrals),
    every display of the patient is audited (core.PersonalDataAccess), and lists show the NIK masked.

    The NIK is stored twice: `nik_digest`, a keyed HMAC-SHA256 (referrals.nik), indexed for exact search, and
    `nik_encrypted`, Fernet under a key derived from SECRET_KEY, shown only on the referral's own page. `state` moves
    only by referrals.services.REFERRAL_MACHINE."""

    state = models.CharField(
        _("status"), max_length=16, choices=ReferralStateChoices.choices(), default=ReferralStateChoices.DRAFT
    )
    referring_facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="referrals_sent", verbose_name=_("fasilitas perujuk")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("dibuat oleh")
    )
    referring_doctor = models.CharField(_("dokter perujuk"), max_length=120)

    patient_name = models.CharField(_("nama pasien"), max_length=120)
    nik_digest = models.CharField(_("sidik NIK"), max_length=64, db_index=True)
    nik_encrypted = models.TextField(_("NIK (terenkripsi)"))
    nik_last4 = models.CharField(_("4 angka terakhir NIK"), max_length=4)
    birth_date = models.DateField(_("tanggal lahir"))
    sex = models.CharField(_("jenis kelamin"), max_length=8, choices=SexChoices.choices())
    bpjs_number = models.CharField(_("nomor BPJS"), max_length=13, blank=True)
    relative_phone = models.CharField(_("telepon keluarga"), max_length=20)

    reason = models.TextField(_("alasan merujuk"))
    # ICD-10 3-character codes of referrals.icd10, first one the main diagnosis.
    diagnoses = models.JSONField(_("diagnosis (ICD-10)"), default=list)
    primary_care_warned = models.BooleanField(_("diperingatkan: diagnosis layanan primer"), default=False)

    consciousness = models.CharField(_("kesadaran"), max_length=16, choices=ConsciousnessChoices.choices())
    gcs = models.PositiveSmallIntegerField(_("GCS"), null=True, blank=True)
    systolic = models.PositiveSmallIntegerField(_("tekanan darah sistolik"), null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(_("tekanan darah diastolik"), null=True, blank=True)
    pulse = models.PositiveSmallIntegerField(_("nadi"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(_("frekuensi napas"), null=True, blank=True)
    temperature = models.DecimalField(_("suhu"), max_digits=3, decimal_places=1, null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO2"), null=True, blank=True)

    bed_type = models.CharField(_("jenis tempat tidur"), max_length=20, choices=BedTypeChoices.choices())
    service = models.CharField(_("layanan"), max_length=20, blank=True, choices=ServiceChoices.choices())
    urgency = models.CharField(_("urgensi"), max_length=10, choices=UrgencyChoices.choices())
    maternal = models.BooleanField(_("maternal"), default=False)
    neonatal = models.BooleanField(_("neonatal"), default=False)

    accepted_offer = models.ForeignKey(
        "ReferralOffer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("diterima")
    )
    transport = models.CharField(_("transportasi"), max_length=10, blank=True, choices=TransportChoices.choices())
    status_reason = models.CharField(_("alasan status"), max_length=300, blank=True)
    back_referral_note = models.TextField(_("catatan rujuk balik"), blank=True)

    created_at = models.DateTimeField(_("dibuat"))
    ambulance_requested_at = models.DateTimeField(_("ambulans diminta"), null=True, blank=True)
    departed_at = models.DateTimeField(_("berangkat"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("tiba"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("dirawat"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    back_referred_at = models.DateTimeField(_("dirujuk balik"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)

    # The referral's number in the referring facility's own system (a SIMRS), from an imported FHIR Bundle's
    # ServiceRequest.identifier: once per facility, so the same Bundle imported again is this referral (referrals.fhir).
    source_system = models.CharField(_("sistem asal"), max_length=200, blank=True)
    source_identifier = models.CharField(_("nomor di sistem asal"), max_length=100, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("rujukan")
        verbose_name_plural = _("rujukan")
        indexes = [models.Index(fields=["referring_facility", "state"], name="referral_from_state")]
        constraints = [
            models.UniqueConstraint(
                fields=["referring_facility", "source_system", "source_identifier"],
                condition=~models.Q(source_identifier=""),
                name="referral_source_identifier_once",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"RJK-{self.pk:06d}" if self.pk else ""


class ReferralOffer(models.Model):
    """The referral as sent to one receiving hospital (a FHIR Task with that hospital as owner): its answer,
    the response clock and the escalation when the answer is late."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="offers", verbose_name=_("rujukan"))
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="referral_offers", verbose_name=_("rumah sakit tujuan")
    )
    state = models.CharField(
        _("status"), max_length=10, choices=OfferStateChoices.choices(), default=OfferStateChoices.PENDING
    )
    distance_km = models.FloatField(_("perkiraan jarak (km)"), null=True, blank=True)
    sent_at = models.DateTimeField(_("dikirim"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField(_("batas jawaban"))
    # When the hospital first opened its copy (its staff on the referral's page, or its system reading the FHIR
    # Bundle): FHIR Task "received" from then until the answer.
    opened_at = models.DateTimeField(_("dibuka rumah sakit"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(_("dijawab"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reject_reason = models.CharField(
        _("alasan menolak"), max_length=16, blank=True, choices=RejectReasonChoices.choices()
    )
    reject_note = models.CharField(_("keterangan"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("dieskalasi"), null=True, blank=True)
    # The bed this acceptance reserved (BedCount.reserved +1), released on admission or cancellation.
    bed_reserved = models.BooleanField(_("tempat tidur disiapkan"), default=False)

    class Meta:
        ordering = ["sent_at", "id"]
        verbose_name = _("rujukan ke rumah sakit")
        verbose_name_plural = _("rujukan ke rumah sakit")
        constraints = [
            models.UniqueConstraint(fields=["referral", "facility"], name="referraloffer_once_per_hospital"),
            models.CheckConstraint(
                condition=~Q(state=OfferStateChoices.REJECTED) | ~Q(reject_reason=""),
                name="referraloffer_reject_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["facility", "state"], name="referraloffer_inbox"),
            models.Index(fields=["state", "due_at"], name="referraloffer_due"),
        ]

    def __str__(self) -> str:
        return f"{self.referral} → {self.facility}"


class ReferralEntry(TimelineEntryBase):
    """One step of a referral: who (actor, their role and facility in actor_label and `facility`) and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("rujukan"))
    facility = models.ForeignKey(
        Facility, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("fasilitas")
    )

    class Meta(TimelineEntryBase.Meta):
        verbose_name = _("riwayat rujukan")
        verbose_name_plural = _("riwayat rujukan")


def _attachment_path(instance: ReferralAttachment, filename: str) -> str:
    return f"referrals/{instance.referral_id}/{filename}"


class ReferralAttachment(models.Model):
    """A lab result or image sent with the referral: re-encoded from its pixels (cases.photos.clean_photo)."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("rujukan")
    )
    file = models.FileField(_("berkas"), upload_to=_attachment_path)
    content_type = models.CharField(_("jenis"), max_length=40)
    size = models.PositiveIntegerField(_("ukuran"))
    uploaded_at = models.DateTimeField(_("diunggah"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("lampiran rujukan")
        verbose_name_plural = _("lampiran rujukan")

    def __str__(self) -> str:
        return f"{self.referral} · {self.pk}"


class PrimaryCareDiagnosis(models.Model):
    """A diagnosis primary care is expected to handle itself: a puskesmas referring it is warned (not stopped).
    Seeded from data/primary_care_diagnoses.csv once; Dinkes keeps the list in the admin."""

    code = models.CharField(_("kode ICD-10"), max_length=3, unique=True)
    note = models.CharField(_("keterangan"), max_length=200, blank=True)
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("diagnosis layanan primer")
        verbose_name_plural = _("diagnosis layanan primer")

    def __str__(self) -> str:
        return self.code
