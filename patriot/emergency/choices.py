"""PSC 119's choices: chief complaints, triage answers and levels, incident states, closure reasons for calls that
are not emergencies, ambulance types, crew skills and statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class ComplaintChoices(ChoiceSet):
    """The caller's chief complaint, in the order the call taker's list shows them."""

    TRAFFIC_ACCIDENT = "traffic_accident"
    CHEST_PAIN = "chest_pain"
    BREATHING_PROBLEM = "breathing_problem"
    UNCONSCIOUS = "unconscious"
    STROKE_SIGNS = "stroke_signs"
    SEIZURE = "seizure"
    BLEEDING_TRAUMA = "bleeding_trauma"
    BURN = "burn"
    POISONING = "poisoning"
    PREGNANCY_LABOUR = "pregnancy_labour"
    FALL = "fall"
    DROWNING = "drowning"
    OTHER = "other"
    # Not a caller's complaint: an ambulance a referring facility asked for a referred patient (issue 12 item 7),
    # opened by emergency.services.transfers, never offered on the call taker's list.
    INTER_FACILITY_TRANSFER = "transfer"

    CHOICES = [
        (TRAFFIC_ACCIDENT, _("Kecelakaan lalu lintas"), "orange"),
        (CHEST_PAIN, _("Nyeri dada"), "red"),
        (BREATHING_PROBLEM, _("Sesak napas"), "red"),
        (UNCONSCIOUS, _("Tidak sadar"), "red"),
        (STROKE_SIGNS, _("Tanda stroke"), "red"),
        (SEIZURE, _("Kejang"), "orange"),
        (BLEEDING_TRAUMA, _("Perdarahan / luka berat"), "orange"),
        (BURN, _("Luka bakar"), "orange"),
        (POISONING, _("Keracunan"), "orange"),
        (PREGNANCY_LABOUR, _("Kehamilan / persalinan"), "pink"),
        (FALL, _("Jatuh"), "yellow"),
        (DROWNING, _("Tenggelam"), "red"),
        (OTHER, _("Lainnya"), "gray"),
        (INTER_FACILITY_TRANSFER, _("Rujukan antar-fasilitas"), "blue"),
    ]

    @classmethod
    def caller_choices(cls) -> list[tuple[str, object]]:
        """The complaints a 119 caller can have (the call taker's list and the triage table): all but transfers."""
        return [(value, label) for value, label in cls.choices() if value != cls.INTER_FACILITY_TRANSFER]

    @classmethod
    def caller_values(cls) -> list[str]:
        return [value for value, _label in cls.caller_choices()]


class AnswerChoices(ChoiceSet):
    """The caller's answer to a yes/no triage question; "not known" counts as the worse answer (emergency.triage)."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    CHOICES = [
        (YES, _("Ya"), "green"),
        (NO, _("Tidak"), "red"),
        (UNKNOWN, _("Tidak tahu"), "gray"),
    ]


class AgeBandChoices(ChoiceSet):
    INFANT = "infant"
    CHILD = "child"
    ADULT = "adult"
    ELDERLY = "elderly"
    UNKNOWN = "unknown"

    CHOICES = [
        (INFANT, _("Bayi (< 1 tahun)"), "pink"),
        (CHILD, _("Anak (1–14 tahun)"), "orange"),
        (ADULT, _("Dewasa (15–64 tahun)"), "blue"),
        (ELDERLY, _("Lansia (65 tahun ke atas)"), "purple"),
        (UNKNOWN, _("Usia tidak diketahui"), "gray"),
    ]


class TriageLevelChoices(ChoiceSet):
    """Triage levels of the call, most urgent first. P0 (black) is never proposed: only the call taker sets it."""

    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P0 = "p0"

    CHOICES = [
        (P1, _("P1 merah (gawat darurat)"), "red"),
        (P2, _("P2 kuning (darurat tidak gawat)"), "yellow"),
        (P3, _("P3 hijau (tidak darurat)"), "green"),
        (P0, _("P0 hitam (meninggal)"), "black"),
    ]


class IncidentStateChoices(ChoiceSet):
    """An incident's state. This foundation opens and closes incidents; dispatch moves them on later (issue 11)."""

    OPEN = "open"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"
    NON_EMERGENCY = "non_emergency"

    CHOICES = [
        (OPEN, _("Menunggu ambulans"), "red"),
        (DISPATCHED, _("Ambulans diberangkatkan"), "orange"),
        (ON_SCENE, _("Ambulans di lokasi"), "yellow"),
        (TRANSPORTING, _("Menuju rumah sakit"), "blue"),
        (HANDED_OVER, _("Diserahkan ke IGD"), "green"),
        (CLOSED, _("Selesai"), "gray"),
        (NON_EMERGENCY, _("Ditutup, bukan kedaruratan"), "gray"),
    ]

    ACTIVE = frozenset({OPEN, DISPATCHED, ON_SCENE, TRANSPORTING})


class IncidentEntryKindChoices(ChoiceSet):
    """What an incident's timeline entry records (IncidentEntry.kind), for reading it on the incident page."""

    CREATED = "created"
    CLOSE_NON_EMERGENCY = "close_non_emergency"
    DISPATCH = "dispatch"
    ADD_UNITS = "add_units"
    UNIT_WITHDRAWN = "unit_withdrawn"
    UNIT_REROUTED_IN = "unit_rerouted_in"
    UNIT_REROUTED_AWAY = "unit_rerouted_away"
    PROGRESS = "progress"
    PATIENT_REPORT = "patient_report"
    DESTINATION = "destination"
    HANDOVER_ACK = "handover_ack"
    TRANSFER_REQUESTED = "transfer_requested"
    TRANSFER_DIVERTED = "transfer_diverted"

    CHOICES = [
        (CREATED, _("Insiden dibuat"), "gray"),
        (CLOSE_NON_EMERGENCY, _("Ditutup, bukan kedaruratan"), "gray"),
        (DISPATCH, _("Ambulans ditugaskan"), "orange"),
        (ADD_UNITS, _("Ambulans ditambah"), "orange"),
        (UNIT_WITHDRAWN, _("Ambulans ditarik"), "gray"),
        (UNIT_REROUTED_IN, _("Ambulans dialihkan ke insiden ini"), "orange"),
        (UNIT_REROUTED_AWAY, _("Ambulans dialihkan ke insiden lain"), "gray"),
        (PROGRESS, _("Status insiden mengikuti ambulans"), "blue"),
        (PATIENT_REPORT, _("Laporan pasien dari kru"), "blue"),
        (DESTINATION, _("Rumah sakit tujuan dipilih"), "blue"),
        (HANDOVER_ACK, _("Serah terima dikonfirmasi rumah sakit"), "green"),
        (TRANSFER_REQUESTED, _("Ambulans diminta untuk rujukan"), "orange"),
        (TRANSFER_DIVERTED, _("Ambulans rujukan tiba di rumah sakit lain"), "red"),
    ]


class ClosureReasonChoices(ChoiceSet):
    """Why a call was closed without an ambulance (counted on the call taker's page)."""

    INFORMATION = "information"
    PRANK = "prank"
    WRONG_NUMBER = "wrong_number"
    DUPLICATE = "duplicate"

    CHOICES = [
        (INFORMATION, _("Permintaan informasi"), "blue"),
        (PRANK, _("Panggilan iseng"), "red"),
        (WRONG_NUMBER, _("Salah sambung"), "gray"),
        (DUPLICATE, _("Duplikat insiden yang masih terbuka"), "orange"),
    ]


class AmbulanceTypeChoices(ChoiceSet):
    TRANSPORT = "transport"
    EMERGENCY = "emergency"

    CHOICES = [
        (TRANSPORT, _("Ambulans transportasi"), "blue"),
        (EMERGENCY, _("Ambulans gawat darurat"), "red"),
    ]


class CrewSkillChoices(ChoiceSet):
    """What the crew of an ambulance can do; an ambulance lists several."""

    DRIVER = "driver"
    BLS = "bls"
    ALS = "als"
    NURSE = "nurse"
    MIDWIFE = "midwife"
    DOCTOR = "doctor"

    CHOICES = [
        (DRIVER, _("Pengemudi terlatih"), "gray"),
        (BLS, _("Bantuan hidup dasar (BHD)"), "blue"),
        (ALS, _("Bantuan hidup lanjut (ACLS/BTCLS)"), "red"),
        (NURSE, _("Perawat"), "teal"),
        (MIDWIFE, _("Bidan"), "pink"),
        (DOCTOR, _("Dokter"), "purple"),
    ]


class AmbulanceStatusChoices(ChoiceSet):
    """An ambulance's status, moved only by emergency.services.AMBULANCE_MACHINE."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    TRANSPORTING = "transporting"
    AT_HOSPITAL = "at_hospital"
    RETURNING = "returning"
    OUT_OF_SERVICE = "out_of_service"

    CHOICES = [
        (AVAILABLE, _("Siaga"), "green"),
        (DISPATCHED, _("Ditugaskan"), "orange"),
        (EN_ROUTE, _("Menuju lokasi"), "orange"),
        (ON_SCENE, _("Di lokasi"), "red"),
        (TRANSPORTING, _("Membawa pasien"), "red"),
        (AT_HOSPITAL, _("Di rumah sakit"), "blue"),
        (RETURNING, _("Kembali ke pos"), "teal"),
        (OUT_OF_SERVICE, _("Tidak beroperasi"), "gray"),
    ]


class AmbulanceActionChoices(ChoiceSet):
    """The steps of an ambulance's run, in the order of the run (the crew's and dispatcher's buttons)."""

    DISPATCH = "dispatch"
    DEPART = "depart"
    ARRIVE = "arrive"
    TRANSPORT = "transport"
    REACH_HOSPITAL = "reach_hospital"
    CLEAR = "clear"
    BACK_IN_SERVICE = "back_in_service"
    OUT_OF_SERVICE = "out_of_service"
    RETURN_TO_SERVICE = "return_to_service"

    CHOICES = [
        (DISPATCH, _("Tugaskan"), "orange"),
        (DEPART, _("Berangkat"), "orange"),
        (ARRIVE, _("Tiba di lokasi"), "red"),
        (TRANSPORT, _("Berangkat ke rumah sakit"), "red"),
        (REACH_HOSPITAL, _("Tiba di rumah sakit"), "blue"),
        (CLEAR, _("Selesai, kembali"), "teal"),
        (BACK_IN_SERVICE, _("Siaga kembali"), "green"),
        (OUT_OF_SERVICE, _("Nyatakan tidak beroperasi"), "gray"),
        (RETURN_TO_SERVICE, _("Operasikan kembali"), "green"),
    ]


class AvpuChoices(ChoiceSet):
    """The crew's quick consciousness scale (AVPU); the GCS is recorded beside it when measured."""

    ALERT = "alert"
    VOICE = "voice"
    PAIN = "pain"
    UNRESPONSIVE = "unresponsive"

    CHOICES = [
        (ALERT, _("A: sadar penuh"), "green"),
        (VOICE, _("V: respons terhadap suara"), "yellow"),
        (PAIN, _("P: respons terhadap nyeri"), "orange"),
        (UNRESPONSIVE, _("U: tidak respons"), "red"),
    ]
