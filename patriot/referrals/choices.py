"""Referrals' choices: what a facility offers, its ownership, and the bed types hospitals report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class HospitalClassChoices(ChoiceSet):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    CHOICES = [
        (A, _("Kelas A"), "purple"),
        (B, _("Kelas B"), "blue"),
        (C, _("Kelas C"), "teal"),
        (D, _("Kelas D"), "gray"),
    ]


class OwnershipChoices(ChoiceSet):
    PUBLIC = "public"
    PRIVATE = "private"

    CHOICES = [
        (PUBLIC, _("Pemerintah"), "blue"),
        (PRIVATE, _("Swasta"), "gray"),
    ]


class ServiceChoices(ChoiceSet):
    """Services a facility offers (a facility has several)."""

    ICU = "icu"
    NICU = "nicu"
    PICU = "picu"
    HCU = "hcu"
    ISOLATION = "isolation"
    MATERNITY = "maternity"
    HAEMODIALYSIS = "haemodialysis"
    CATH_LAB = "cath_lab"
    STROKE_UNIT = "stroke_unit"

    CHOICES = [
        (ICU, _("ICU"), "red"),
        (NICU, _("NICU"), "pink"),
        (PICU, _("PICU"), "pink"),
        (HCU, _("HCU"), "orange"),
        (ISOLATION, _("Isolasi"), "yellow"),
        (MATERNITY, _("Kebidanan/VK"), "pink"),
        (HAEMODIALYSIS, _("Hemodialisis"), "blue"),
        (CATH_LAB, _("Cath lab"), "red"),
        (STROKE_UNIT, _("Unit stroke"), "purple"),
    ]


class BedTypeChoices(ChoiceSet):
    """Bed types a hospital reports, after the national bed-reporting format (SIRS/RS Online)."""

    ICU = "icu"
    ICCU = "iccu"
    NICU = "nicu"
    PICU = "picu"
    HCU = "hcu"
    ISOLATION = "isolation"
    EMERGENCY = "emergency"
    MATERNITY = "maternity"
    PERINATOLOGY = "perinatology"
    VIP = "vip"
    CLASS_1 = "class_1"
    CLASS_2 = "class_2"
    CLASS_3 = "class_3"

    CHOICES = [
        (ICU, _("ICU"), "red"),
        (ICCU, _("ICCU"), "red"),
        (NICU, _("NICU"), "pink"),
        (PICU, _("PICU"), "pink"),
        (HCU, _("HCU"), "orange"),
        (ISOLATION, _("Isolasi"), "yellow"),
        (EMERGENCY, _("IGD"), "red"),
        (MATERNITY, _("Kebidanan"), "pink"),
        (PERINATOLOGY, _("Perinatologi"), "pink"),
        (VIP, _("VIP"), "purple"),
        (CLASS_1, _("Kelas I"), "blue"),
        (CLASS_2, _("Kelas II"), "teal"),
        (CLASS_3, _("Kelas III"), "green"),
    ]


class ChangeSourceChoices(ChoiceSet):
    """How a bed figure was changed."""

    TAP = "tap"
    API = "api"
    FORM = "form"
    REFERRAL = "referral"

    CHOICES = [
        (TAP, _("Tombol +/−"), "blue"),
        (API, _("API"), "gray"),
        (FORM, _("Formulir"), "teal"),
        (REFERRAL, _("Rujukan"), "pink"),
    ]


# --- referrals -----------------------------------------------------------------------------------------------


class ReferralStateChoices(ChoiceSet):
    """A referral's state. FHIR_STATUS maps each to the FHIR R4 Task.status the exchange shows."""

    DRAFT = "draft"  # written, not sent to any hospital yet
    REQUESTED = "requested"  # sent to one or more hospitals, none has accepted yet
    REJECTED = "rejected"  # every hospital it was sent to said no: the referrer sends it on (or cancels)
    ACCEPTED = "accepted"  # a hospital accepted and reserved a bed
    IN_TRANSIT = "in_transit"  # the patient is on the way (own transport or ambulance)
    ARRIVED = "arrived"
    ADMITTED = "admitted"
    COMPLETED = "completed"  # treatment at the receiving hospital finished (back-referral optional)
    BACK_REFERRED = "back_referred"  # rujuk balik: discharged to the referring facility with a note
    CANCELLED = "cancelled"

    CHOICES = [
        (DRAFT, _("Belum dikirim"), "gray"),
        (REQUESTED, _("Menunggu jawaban"), "orange"),
        (REJECTED, _("Ditolak"), "red"),
        (ACCEPTED, _("Diterima"), "green"),
        (IN_TRANSIT, _("Dalam perjalanan"), "blue"),
        (ARRIVED, _("Tiba"), "teal"),
        (ADMITTED, _("Dirawat"), "indigo"),
        (COMPLETED, _("Selesai"), "gray"),
        (BACK_REFERRED, _("Dirujuk balik"), "gray"),
        (CANCELLED, _("Dibatalkan"), "gray"),
    ]

    OPEN = frozenset({DRAFT, REQUESTED, REJECTED, ACCEPTED, IN_TRANSIT, ARRIVED, ADMITTED})
    FHIR_STATUS = {
        DRAFT: "draft",
        REQUESTED: "requested",
        REJECTED: "rejected",
        ACCEPTED: "accepted",
        IN_TRANSIT: "in-progress",
        ARRIVED: "in-progress",
        ADMITTED: "in-progress",
        COMPLETED: "completed",
        BACK_REFERRED: "completed",
        CANCELLED: "cancelled",
    }


class ReferralActionChoices(ChoiceSet):
    SEND = "send"
    ACCEPT = "accept"
    REJECT = "reject"
    DEPART = "depart"
    ARRIVE = "arrive"
    ADMIT = "admit"
    COMPLETE = "complete"
    BACK_REFER = "back_refer"
    CANCEL = "cancel"

    CHOICES = [
        (SEND, _("Kirim ke rumah sakit"), "blue"),
        (ACCEPT, _("Terima"), "green"),
        (REJECT, _("Tolak"), "red"),
        (DEPART, _("Berangkat"), "blue"),
        (ARRIVE, _("Pasien tiba"), "teal"),
        (ADMIT, _("Pasien dirawat"), "indigo"),
        (COMPLETE, _("Selesai"), "gray"),
        (BACK_REFER, _("Rujuk balik"), "gray"),
        (CANCEL, _("Batalkan"), "gray"),
    ]


class OfferStateChoices(ChoiceSet):
    """One hospital's copy of a referral (FHIR Task per performer)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # another hospital accepted first, or the referral was cancelled

    CHOICES = [
        (PENDING, _("Menunggu jawaban"), "orange"),
        (ACCEPTED, _("Diterima"), "green"),
        (REJECTED, _("Ditolak"), "red"),
        (WITHDRAWN, _("Ditarik"), "gray"),
    ]
    FHIR_STATUS = {PENDING: "requested", ACCEPTED: "accepted", REJECTED: "rejected", WITHDRAWN: "cancelled"}


class RejectReasonChoices(ChoiceSet):
    NO_BED = "no_bed"
    NO_SPECIALIST = "no_specialist"
    EQUIPMENT = "equipment"
    OTHER = "other"

    CHOICES = [
        (NO_BED, _("Tidak ada tempat tidur"), "red"),
        (NO_SPECIALIST, _("Tidak ada dokter spesialis"), "orange"),
        (EQUIPMENT, _("Alat tidak tersedia"), "yellow"),
        (OTHER, _("Lainnya"), "gray"),
    ]


class UrgencyChoices(ChoiceSet):
    """FHIR ServiceRequest.priority: emergency → stat, urgent → urgent, routine → routine."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    ROUTINE = "routine"

    CHOICES = [
        (EMERGENCY, _("Gawat darurat"), "red"),
        (URGENT, _("Segera"), "orange"),
        (ROUTINE, _("Biasa"), "blue"),
    ]
    FHIR_PRIORITY = {EMERGENCY: "stat", URGENT: "urgent", ROUTINE: "routine"}


class SexChoices(ChoiceSet):
    MALE = "male"
    FEMALE = "female"

    CHOICES = [(MALE, _("Laki-laki"), "blue"), (FEMALE, _("Perempuan"), "pink")]


class ConsciousnessChoices(ChoiceSet):
    """AVPU."""

    ALERT = "alert"
    VOICE = "voice"
    PAIN = "pain"
    UNRESPONSIVE = "unresponsive"

    CHOICES = [
        (ALERT, _("Sadar penuh (A)"), "green"),
        (VOICE, _("Respons terhadap suara (V)"), "yellow"),
        (PAIN, _("Respons terhadap nyeri (P)"), "orange"),
        (UNRESPONSIVE, _("Tidak respons (U)"), "red"),
    ]


class TransportChoices(ChoiceSet):
    OWN = "own"
    AMBULANCE = "ambulance"

    CHOICES = [
        (OWN, _("Kendaraan sendiri/keluarga"), "gray"),
        (AMBULANCE, _("Ambulans (diminta ke SPGDT/PSC 119)"), "red"),
    ]


class ReferralEntryKindChoices(ChoiceSet):
    CREATED = "created"
    SENT = "sent"
    OPENED = "opened"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    AMBULANCE_REQUESTED = "ambulance_requested"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    AMBULANCE_DIVERTED = "ambulance_diverted"
    ADMITTED = "admitted"
    COMPLETED = "completed"
    BACK_REFERRED = "back_referred"
    CANCELLED = "cancelled"
    ESCALATED = "escalated"

    CHOICES = [
        (CREATED, _("Rujukan dibuat"), "gray"),
        (SENT, _("Dikirim ke rumah sakit"), "blue"),
        (OPENED, _("Diterima/dibuka oleh rumah sakit"), "teal"),
        (ACCEPTED, _("Diterima"), "green"),
        (REJECTED, _("Ditolak"), "red"),
        (WITHDRAWN, _("Ditarik dari rumah sakit"), "gray"),
        (AMBULANCE_REQUESTED, _("Ambulans diminta"), "red"),
        (DEPARTED, _("Berangkat"), "blue"),
        (ARRIVED, _("Pasien tiba"), "teal"),
        (AMBULANCE_DIVERTED, _("Ambulans PSC 119 tiba di rumah sakit lain"), "red"),
        (ADMITTED, _("Pasien dirawat"), "indigo"),
        (COMPLETED, _("Selesai"), "gray"),
        (BACK_REFERRED, _("Dirujuk balik"), "gray"),
        (CANCELLED, _("Dibatalkan"), "gray"),
        (ESCALATED, _("Melewati batas waktu jawaban: diteruskan ke Dinkes dan POC"), "red"),
    ]
