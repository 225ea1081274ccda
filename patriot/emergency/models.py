"""PSC 119's records: an incident (one 119 call that needs, or needed not, an ambulance) with its triage and the
timestamps of every interval, an ambulance's profile beside its accounts.OrganisationUnit, and their timelines.

Patient and caller data here are health data under UU PDP: only PSC roles read them (emergency.queries), and no
event about them carries a public payload (emergency.events)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import UnitKindChoices
from patriot.accounts.models import OrganisationUnit
from patriot.core.models import TimelineEntryBase
from patriot.emergency.choices import (
    AgeBandChoices,
    AmbulanceStatusChoices,
    AmbulanceTypeChoices,
    AnswerChoices,
    AvpuChoices,
    ClosureReasonChoices,
    ComplaintChoices,
    CrewSkillChoices,
    IncidentEntryKindChoices,
    IncidentStateChoices,
    TriageLevelChoices,
)
from patriot.geo.models import District, Village

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class MillisecondsBetween(models.Func):
    """Whole milliseconds from one timestamp column to another; NULL when either is missing or the end is before
    the start (such an interval does not count). What the interval report reads (emergency.intervals), stored by
    the database whenever a timestamp is written — by save(), update(), bulk_create() or SQL alike:
    - PostgreSQL: the exact difference rounded to the millisecond in float8 (rint, half to even);
    - SQLite: the difference of the two Julian days (SQLite keeps each stamp to the millisecond)."""

    output_field = models.BigIntegerField()
    arity = 2

    def __init__(self, start: str, end: str) -> None:
        super().__init__(models.F(start), models.F(end))

    def as_sql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def, override]
        (start, start_params), (end, end_params) = (compiler.compile(arg) for arg in self.get_source_expressions())
        params = (*end_params, *start_params)
        if connection.vendor == "postgresql":
            sql = (
                f"CASE WHEN {end} >= {start} THEN round(date_part('epoch', {end} - {start}) * 1000::float8)::bigint END"
            )
            return sql, (*end_params, *start_params, *params)
        milliseconds = f"CAST(round((julianday({end}) - julianday({start})) * 86400000.0) AS INTEGER)"
        return f"CASE WHEN {milliseconds} >= 0 THEN {milliseconds} END", (*params, *params)


def duration_field(start: str, end: str, label: StrOrPromise) -> models.GeneratedField:
    """An interval's length in milliseconds, kept by the database from its two timestamps (MillisecondsBetween)."""
    return models.GeneratedField(
        expression=MillisecondsBetween(start, end),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
        verbose_name=label,
    )


# The interval report's index (emergency.intervals): the period's column first, then every column the report reads.
REPORT_INDEX = "incident_report"
REPORT_INDEX_FIELDS = [
    "call_received_at",
    "district",
    "first_ambulance",
    "final_level",
    "proposed_level",
    "state",
    "closure_reason",
    "complaint",
    *(
        f"{key}_ms"
        for key in (
            "answer",
            "logging",
            "notify",
            "turnout",
            "travel",
            "on_scene",
            "transport",
            "handover",
            "clear",
            "response",
        )
    ),
]


class Incident(models.Model):
    """One 119 call taken by the PSC. Its location is any point in Indonesia (geo.lookup.place): a call from just
    over the border is taken too, with no kelurahan. A call that is not an emergency is an incident closed at once
    with its `closure_reason`, so the non-emergency calls are counted from this table.

    Every interval is computed from the timestamps below, which the services write; none is typed."""

    state = models.CharField(
        _("status"), max_length=16, choices=IncidentStateChoices.choices(), default=IncidentStateChoices.OPEN
    )
    # Who took the call. A transfer (below) comes with no 119 call: its call taker is the PSC user who first acts on
    # it (dispatches a unit, re-routes one to it, closes it), empty until then (services.incidents.claim_call).
    call_taker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("call taker"),
    )
    # A transfer's requester: the referring facility's staff member who asked for the ambulance.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diminta oleh"),
    )
    psc = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("PSC 119"),
    )

    # The phone call this incident was taken from, when the phone system's hook announced it on a PSC line (or the
    # 1500444 console transferred it): its ring and answer times are the first interval's ends.
    phone_call = models.OneToOneField(
        "callcentre.Call",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident",
        verbose_name=_("panggilan telepon"),
    )
    caller_number = models.CharField(_("nomor penelepon"), max_length=20, blank=True)
    callback_number = models.CharField(_("nomor yang dapat dihubungi"), max_length=20, blank=True)
    caller_name = models.CharField(_("nama penelepon"), max_length=120, blank=True)

    latitude = models.FloatField(_("lintang"), null=True, blank=True)
    longitude = models.FloatField(_("bujur"), null=True, blank=True)
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    landmark = models.CharField(_("patokan"), max_length=200, blank=True)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kelurahan")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kecamatan")
    )
    inside_city = models.BooleanField(_("di dalam kota"), default=True)

    complaint = models.CharField(_("keluhan utama"), max_length=20, choices=ComplaintChoices.choices(), blank=True)
    patient_count = models.PositiveSmallIntegerField(
        _("jumlah pasien"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    conscious = models.CharField(_("sadar?"), max_length=8, choices=AnswerChoices.choices(), blank=True)
    breathing_normally = models.CharField(
        _("bernapas normal?"), max_length=8, choices=AnswerChoices.choices(), blank=True
    )
    severe_bleeding = models.CharField(
        _("perdarahan hebat?"), max_length=8, choices=AnswerChoices.choices(), blank=True
    )
    age_band = models.CharField(_("kelompok usia"), max_length=8, choices=AgeBandChoices.choices(), blank=True)
    proposed_level = models.CharField(_("level usulan"), max_length=4, choices=TriageLevelChoices.choices(), blank=True)
    final_level = models.CharField(_("level triase"), max_length=4, choices=TriageLevelChoices.choices(), blank=True)
    override_reason = models.CharField(_("alasan mengubah level"), max_length=300, blank=True)

    closure_reason = models.CharField(
        _("alasan ditutup"), max_length=16, choices=ClosureReasonChoices.choices(), blank=True
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("duplikat dari")
    )

    # The intervals' ends. call_received_at: the phone rang (the hook's time, or the page's opening when typed);
    # call_answered_at: the call taker picked up (the hook's, when it says); created_at: the incident was saved.
    call_received_at = models.DateTimeField(_("panggilan masuk"))
    call_answered_at = models.DateTimeField(_("panggilan dijawab"), null=True, blank=True)
    created_at = models.DateTimeField(_("insiden dibuat"))
    dispatched_at = models.DateTimeField(_("unit ditugaskan"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("unit berangkat"), null=True, blank=True)
    on_scene_at = models.DateTimeField(_("unit tiba di lokasi"), null=True, blank=True)
    left_scene_at = models.DateTimeField(_("unit meninggalkan lokasi"), null=True, blank=True)
    at_hospital_at = models.DateTimeField(_("tiba di rumah sakit"), null=True, blank=True)
    handover_at = models.DateTimeField(_("serah terima di IGD"), null=True, blank=True)
    back_in_service_at = models.DateTimeField(_("unit siaga kembali"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    # Each interval of the run in milliseconds, kept by the database from the stamps above (emergency.intervals
    # reads these: no date arithmetic per report). Named after the interval's key, with its label.
    answer_ms = duration_field("call_received_at", "call_answered_at", _("Panggilan masuk → dijawab"))
    logging_ms = duration_field("call_answered_at", "created_at", _("Dijawab → insiden dibuat"))
    notify_ms = duration_field("created_at", "dispatched_at", _("Insiden dibuat → unit ditugaskan"))
    turnout_ms = duration_field("dispatched_at", "en_route_at", _("Unit ditugaskan → berangkat"))
    travel_ms = duration_field("en_route_at", "on_scene_at", _("Berangkat → tiba di lokasi"))
    on_scene_ms = duration_field("on_scene_at", "left_scene_at", _("Tiba di lokasi → meninggalkan lokasi"))
    transport_ms = duration_field("left_scene_at", "at_hospital_at", _("Meninggalkan lokasi → tiba di rumah sakit"))
    handover_ms = duration_field("at_hospital_at", "handover_at", _("Tiba di rumah sakit → serah terima di IGD"))
    clear_ms = duration_field("handover_at", "back_in_service_at", _("Serah terima → siaga kembali"))
    response_ms = duration_field(
        "call_received_at", "on_scene_at", _("Waktu tanggap: panggilan masuk → tiba di lokasi")
    )
    # An inter-facility transfer (complaint "transfer", emergency.services.transfers): the referral whose ambulance
    # this is (one incident per referral) and the accepting hospital it goes to. A string reference: emergency never
    # imports referrals; the PSC reads the referral's patient through referrals.access.
    referral = models.OneToOneField(
        "referrals.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfer_incident",
        verbose_name=_("rujukan"),
    )
    destination = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rumah sakit tujuan"),
    )
    # The first ambulance sent (the one whose steps stamp the intervals above), for the interval report by unit.
    first_ambulance = models.ForeignKey(
        "Ambulance", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("unit pertama")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("insiden gawat darurat")
        verbose_name_plural = _("insiden gawat darurat")
        constraints = [
            # A level set apart from the proposal carries its reason.
            models.CheckConstraint(
                condition=Q(final_level=models.F("proposed_level")) | Q(final_level="") | ~Q(override_reason=""),
                name="incident_override_has_reason",
            ),
            # A call closed as not an emergency says why; no other incident carries a closure reason.
            models.CheckConstraint(
                condition=(Q(state=IncidentStateChoices.NON_EMERGENCY) & ~Q(closure_reason=""))
                | (~Q(state=IncidentStateChoices.NON_EMERGENCY) & Q(closure_reason="")),
                name="incident_closure_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="incident_state_created"),
            models.Index(fields=["closure_reason", "created_at"], name="incident_closure_created"),
            models.Index(fields=["call_received_at"], name="incident_call_received"),
            # Every column the interval report reads, after the period's: SQLite reads them from this index alone
            # (it never seeks the table's row when the index holds each column a query uses), in time order.
            models.Index(fields=REPORT_INDEX_FIELDS, name=REPORT_INDEX),
        ]

    def __str__(self) -> str:
        return f"119-{self.pk}"

    @property
    def number(self) -> str:
        return f"119-{self.pk:06d}" if self.pk else ""

    @property
    def level(self) -> str:
        """The level the incident is worked at: the call taker's, else the proposal."""
        return self.final_level or self.proposed_level


class IncidentEntry(TimelineEntryBase):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("insiden"))

    class Meta(TimelineEntryBase.Meta):
        verbose_name = _("riwayat insiden")
        verbose_name_plural = _("riwayat insiden")

    def kind_label(self) -> str:
        return IncidentEntryKindChoices.label(self.kind)

    def state_label(self) -> str:
        return IncidentStateChoices.label(self.to_state) if self.to_state else ""


class Ambulance(models.Model):
    """The emergency profile of an ambulance: its accounts.OrganisationUnit (kind ambulance_unit, whose parent is
    its station: a PSC, puskesmas or hospital's ambulance_station) plus what dispatch needs. `status` moves only by
    emergency.services.AMBULANCE_MACHINE."""

    unit = models.OneToOneField(
        OrganisationUnit, on_delete=models.PROTECT, related_name="ambulance", verbose_name=_("unit")
    )
    ambulance_type = models.CharField(_("jenis ambulans"), max_length=12, choices=AmbulanceTypeChoices.choices())
    # Values of CrewSkillChoices.
    crew_skills = models.JSONField(_("kemampuan kru"), default=list, blank=True)
    plate_number = models.CharField(_("nomor polisi"), max_length=16, blank=True)
    radio_channel = models.CharField(_("kanal radio"), max_length=40, blank=True)
    phone = models.CharField(_("telepon"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AmbulanceStatusChoices.choices(),
        default=AmbulanceStatusChoices.AVAILABLE,
    )
    status_changed_at = models.DateTimeField(_("status berubah"), null=True, blank=True)
    out_of_service_reason = models.CharField(_("alasan tidak beroperasi"), max_length=300, blank=True)
    incident = models.ForeignKey(
        Incident,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ambulances",
        verbose_name=_("insiden sekarang"),
    )
    last_latitude = models.FloatField(_("lintang terakhir"), null=True, blank=True)
    last_longitude = models.FloatField(_("bujur terakhir"), null=True, blank=True)
    last_position_at = models.DateTimeField(_("posisi terakhir"), null=True, blank=True)

    class Meta:
        ordering = ["unit__name"]
        verbose_name = _("ambulans")
        verbose_name_plural = _("ambulans")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=AmbulanceStatusChoices.OUT_OF_SERVICE) | ~Q(out_of_service_reason=""),
                name="ambulance_out_of_service_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.unit)

    def clean(self) -> None:
        if self.unit_id is not None and self.unit.kind != UnitKindChoices.AMBULANCE_UNIT:
            raise ValidationError({"unit": _("Pilih unit berjenis unit ambulans.")})
        unknown = set(self.crew_skills or []) - set(CrewSkillChoices.values())
        if unknown:
            raise ValidationError({"crew_skills": _("Kemampuan kru tidak dikenal.")})


class AmbulanceEntry(TimelineEntryBase):
    ambulance = models.ForeignKey(
        Ambulance, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("ambulans")
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("insiden")
    )

    class Meta(TimelineEntryBase.Meta):
        verbose_name = _("riwayat ambulans")
        verbose_name_plural = _("riwayat ambulans")


class CrewStepReceipt(models.Model):
    """One status tap of a crew, received once: `key` is the idempotency key the phone made when the tap happened
    (a tap queued offline and sent twice is applied once), `tapped_at` the phone's time of the tap."""

    key = models.CharField(_("kunci"), max_length=64, unique=True)
    ambulance = models.ForeignKey(Ambulance, on_delete=models.CASCADE, related_name="+", verbose_name=_("ambulans"))
    action = models.CharField(_("langkah"), max_length=20)
    tapped_at = models.DateTimeField(_("waktu ketuk"))
    received_at = models.DateTimeField(_("diterima"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pengguna")
    )

    class Meta:
        verbose_name = _("tanda terima langkah kru")
        verbose_name_plural = _("tanda terima langkah kru")

    def __str__(self) -> str:
        return f"{self.action} {self.key}"


class PatientReport(models.Model):
    """What a crew records on scene for one incident: patients, vitals, working assessment and the destination
    hospital, whose staff get the pre-arrival notice (notified_at) and acknowledge the handover. Health data under
    UU PDP: shown to PSC roles, this ambulance's crew and the destination hospital's staff only."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="patient_reports", verbose_name=_("insiden")
    )
    ambulance = models.ForeignKey(Ambulance, on_delete=models.CASCADE, related_name="+", verbose_name=_("ambulans"))
    patient_count = models.PositiveSmallIntegerField(
        _("jumlah pasien"), default=1, validators=[MinValueValidator(1), MaxValueValidator(500)]
    )
    avpu = models.CharField(_("kesadaran (AVPU)"), max_length=16, choices=AvpuChoices.choices(), blank=True)
    gcs = models.PositiveSmallIntegerField(
        _("GCS"), null=True, blank=True, validators=[MinValueValidator(3), MaxValueValidator(15)]
    )
    pulse = models.PositiveSmallIntegerField(_("nadi (x/menit)"), null=True, blank=True)
    breathing_rate = models.PositiveSmallIntegerField(_("napas (x/menit)"), null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), null=True, blank=True)
    bp_systolic = models.PositiveSmallIntegerField(_("tekanan darah sistolik"), null=True, blank=True)
    bp_diastolic = models.PositiveSmallIntegerField(_("tekanan darah diastolik"), null=True, blank=True)
    assessment = models.TextField(_("penilaian kerja"), max_length=1000, blank=True)
    destination = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rumah sakit tujuan"),
    )
    notified_at = models.DateTimeField(_("pemberitahuan dikirim"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("serah terima dikonfirmasi RS"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dikonfirmasi oleh"),
    )
    updated_at = models.DateTimeField(_("diperbarui"))

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("laporan pasien kru")
        verbose_name_plural = _("laporan pasien kru")
        constraints = [
            models.UniqueConstraint(fields=["incident", "ambulance"], name="patient_report_incident_ambulance"),
        ]
        indexes = [models.Index(fields=["destination", "notified_at"], name="patient_report_destination")]

    def __str__(self) -> str:
        return f"{self.incident_id}/{self.ambulance_id}"
