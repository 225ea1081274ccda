"""Categories, routing rules, cases, their timeline, attachments and intake bookkeeping."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from patriot.accounts.models import Agency, ResponseTeam
from patriot.cases.choices import (
    AttachmentKindChoices,
    CaseStateChoices,
    CategoryGroupChoices,
    ChannelChoices,
    PriorityChoices,
    RejectionReasonChoices,
    SlaStatusChoices,
    TimelineKindChoices,
)
from patriot.core.models import TimelineEntryBase
from patriot.geo.models import District, Village


class Category(models.Model):
    """What a report is about; carries its default agency, SLA targets and custom attributes.

    SLA targets are in working days unless the matching `*_hours` field is set, which switches that
    phase to a 24/7 clock (a fallen tree blocking a road cannot wait for Monday).
    `attributes` is a list of {code, label, label_en, datatype, required, values} that the report
    form and Open311 service definitions show (datatype: string, number, text, datetime,
    singlevaluelist, multivaluelist).
    """

    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    name_en = models.CharField(_("nama (Inggris)"), max_length=120)
    description = models.TextField(_("keterangan"), blank=True)
    description_en = models.TextField(_("keterangan (Inggris)"), blank=True)
    group = models.CharField(_("kelompok"), max_length=32, choices=CategoryGroupChoices.choices())
    icon = models.CharField(_("ikon"), max_length=40, blank=True)
    keywords = models.CharField(_("kata kunci"), max_length=200, blank=True)
    default_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("OPD bawaan")
    )
    default_priority = models.CharField(
        _("prioritas bawaan"), max_length=10, choices=PriorityChoices.choices(), default=PriorityChoices.NORMAL
    )
    verify_days = models.PositiveSmallIntegerField(_("batas verifikasi (hari kerja)"), default=3)
    followup_days = models.PositiveSmallIntegerField(_("batas tindak lanjut (hari kerja)"), default=5)
    verify_hours = models.PositiveSmallIntegerField(_("batas verifikasi (jam, 24/7)"), null=True, blank=True)
    followup_hours = models.PositiveSmallIntegerField(_("batas tindak lanjut (jam, 24/7)"), null=True, blank=True)
    attributes = models.JSONField(_("atribut tambahan"), default=list, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["group", "name"]
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_en if (get_language() or "id").startswith("en") and self.name_en else self.name


def headline_of(title: str, category_name: str, category_name_en: str) -> str:
    """Case.headline from a case's title and its category's names (for rows read with values())."""
    if title == category_name and category_name_en and (get_language() or "id").startswith("en"):
        return category_name_en
    return title


class RoutingRule(models.Model):
    """Category × area → agency. The most specific rule wins: kelurahan, then kecamatan, then city-wide."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="routing_rules", verbose_name=_("kategori")
    )
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("kecamatan"))
    village = models.ForeignKey(Village, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("kelurahan"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name=_("OPD"))

    class Meta:
        verbose_name = _("aturan disposisi")
        verbose_name_plural = _("aturan disposisi")
        # One rule per category and place; partial indexes because SQLite has no NULLS NOT DISTINCT.
        constraints = [
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(district__isnull=True, village__isnull=True),
                name="routing_rule_citywide",
            ),
            models.UniqueConstraint(
                fields=["category", "district"],
                condition=Q(district__isnull=False, village__isnull=True),
                name="routing_rule_district",
            ),
            models.UniqueConstraint(
                fields=["category", "village"], condition=Q(village__isnull=False), name="routing_rule_village"
            ),
        ]

    def __str__(self) -> str:
        area = self.village or self.district or _("seluruh kota")
        return f"{self.category} · {area} → {self.agency}"


_OPEN = Q(state__in=CaseStateChoices.OPEN)


def state_among(states: tuple[str, ...]) -> RawSQL:
    """`state IN (…)` with the values written into the SQL rather than passed as parameters.

    SQLite uses a partial index only when the query repeats the index's WHERE term literally, so the
    open-case indexes (case_open_*) serve overview and sweep queries only through this filter.
    """
    unknown = set(states) - set(CaseStateChoices.values())
    if unknown:
        raise ValueError(f"Not case states: {sorted(unknown)}")
    listed = ", ".join(f"'{state}'" for state in states)
    return RawSQL(f'"cases_case"."state" IN ({listed})', (), output_field=models.BooleanField())  # noqa: S611


class Case(models.Model):
    # Foreign keys and columns that lead a composite index in Meta.indexes have no index of their own
    # (db_index=False): the composite serves every lookup by that column, and each report written updates one index
    # less (category, village, district, agency, team, created_at).
    tracking_number = models.CharField(_("nomor laporan"), max_length=24, unique=True)
    channel = models.CharField(_("kanal"), max_length=16, choices=ChannelChoices.choices())
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="cases", verbose_name=_("kategori"), db_index=False
    )
    title = models.CharField(_("judul"), max_length=200)
    description = models.TextField(_("uraian"), max_length=5000)
    attributes = models.JSONField(_("atribut tambahan"), default=dict, blank=True)
    priority = models.CharField(
        _("prioritas"), max_length=10, choices=PriorityChoices.choices(), default=PriorityChoices.NORMAL
    )

    latitude = models.FloatField(_("lintang"))
    longitude = models.FloatField(_("bujur"))
    address = models.CharField(_("alamat"), max_length=300, blank=True)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"), db_index=False
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="+", verbose_name=_("kecamatan"), db_index=False
    )
    h3_cell = models.CharField(_("sel h3 (res 9)"), max_length=16)
    h3_cell_coarse = models.CharField(_("sel h3 (res 7)"), max_length=16)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_cases",
        verbose_name=_("akun pelapor"),
    )
    reporter_name = models.CharField(_("nama pelapor"), max_length=120, blank=True)
    reporter_phone = models.CharField(_("HP pelapor"), max_length=20, blank=True)
    reporter_email = models.EmailField(_("email pelapor"), blank=True)
    # The language the reporter used (the request's; the city's default for a phone call): messages to a reporter
    # without an account are written in it. Empty for cases from before it was recorded: the city's default.
    reporter_language = models.CharField(_("bahasa pelapor"), max_length=8, blank=True, default="")
    is_anonymous = models.BooleanField(_("anonim"), default=False)
    is_confidential = models.BooleanField(_("rahasia"), default=False)
    # Placed at the kelurahan's centre (the form without a map): the POC finds the exact place from the text.
    location_is_approximate = models.BooleanField(_("lokasi perkiraan"), default=False)
    # Citizens who said "me too" instead of filing a duplicate (Supporter rows; the count is kept for lists).
    supporter_count = models.PositiveIntegerField(_("jumlah pendukung"), default=0)
    # The reporter's rating of the handling, given through the private link once the case is closed.
    rating = models.PositiveSmallIntegerField(_("penilaian pelapor"), null=True, blank=True)
    rating_comment = models.TextField(_("komentar penilaian"), max_length=1000, blank=True)
    rated_at = models.DateTimeField(_("dinilai"), null=True, blank=True)

    state = models.CharField(
        _("status"), max_length=16, choices=CaseStateChoices.choices(), default=CaseStateChoices.SUBMITTED
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("OPD"),
        db_index=False,
    )
    team = models.ForeignKey(
        ResponseTeam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("tim URC"),
        db_index=False,
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplikat dari"),
    )
    rejection_reason = models.CharField(
        _("alasan penolakan"), max_length=32, choices=RejectionReasonChoices.choices(), blank=True
    )
    resolution_note = models.TextField(_("catatan penanganan"), blank=True)

    # The SLA clock of the current phase: verify+forward, agency follow-up, or waiting for the reporter.
    due_at = models.DateTimeField(_("batas waktu"), null=True, blank=True)
    due_soon_at = models.DateTimeField(_("mendekati batas waktu pada"), null=True, blank=True)
    sla_status = models.CharField(
        _("status SLA"), max_length=10, choices=SlaStatusChoices.choices(), default=SlaStatusChoices.ON_TRACK
    )
    escalated_at = models.DateTimeField(_("dieskalasi"), null=True, blank=True)
    dispute_until = models.DateTimeField(_("batas sanggahan"), null=True, blank=True)

    created_at = models.DateTimeField(_("dibuat"))
    updated_at = models.DateTimeField(_("diperbarui"))
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("didisposisikan"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("ditugaskan"), null=True, blank=True)
    started_at = models.DateTimeField(_("mulai dikerjakan"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("selesai ditangani"), null=True, blank=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("laporan")
        verbose_name_plural = _("laporan")
        indexes = [
            # POC overview: open cases by state × agency × SLA status, read from the index alone.
            models.Index(fields=["state", "agency", "sla_status"], condition=_OPEN, name="case_open_overview"),
            models.Index(fields=["agency", "state", "created_at"], name="case_agency_state"),
            models.Index(fields=["team", "state"], name="case_team_state"),
            models.Index(fields=["category", "created_at"], name="case_category_created"),
            models.Index(fields=["state", "created_at"], name="case_state_created"),
            models.Index(fields=["village", "created_at"], name="case_village_created"),
            models.Index(fields=["district", "created_at"], name="case_district_created"),
            # The SLA sweep finds clocks that crossed 75 % or 100 % without touching finished cases,
            # and resolved cases whose reply window ended.
            models.Index(fields=["due_soon_at"], condition=_OPEN, name="case_open_due_soon"),
            models.Index(fields=["due_at"], condition=_OPEN, name="case_open_due"),
            models.Index(fields=["state", "due_at"], name="case_state_due"),
            models.Index(fields=["h3_cell_coarse"], name="case_h3_coarse"),
            # The public map: cells, bounds and filters read from the index alone (97 ms vs 261 ms, 100k cases).
            models.Index(
                fields=["h3_cell_coarse", "is_confidential", "state", "latitude", "longitude", "created_at"],
                name="case_public_map",
            ),
            # The public map's points and street-level clusters: the cases of the h3 cells reaching into the view,
            # read from the index alone under any of the map's filters (category, kecamatan, created range). The
            # category second: a category's cases of a cell are found without reading the cell's others (at
            # 10,000,000 cases a busy cell holds ~160,000, one category's a few thousand). The latitude then bounds no
            # scan: a cell only partly in view is read whole, at most a res-9 cell's (~0.1 km²) cases.
            models.Index(
                fields=["h3_cell", "category", "latitude", "longitude", "state", "district", "created_at"],
                condition=Q(is_confidential=False),
                name="case_public_map_point",
            ),
            # The staff search's first page, newest first, and its capped count under one filter (agency alone; the
            # tracking number typed in any case).
            # The other filters alone (cases/0015, which also adds PostgreSQL trigram indexes for the text filter,
            # since cases/0021 the one case_text_trgm, not declared here because SQLite has no GIN).
            models.Index(fields=["agency", "created_at"], name="case_agency_created"),
            models.Index(Upper("tracking_number"), name="case_tracking_number_upper"),
            models.Index(fields=["reporter_phone"], name="case_reporter_phone"),
            models.Index(fields=["channel", "created_at"], name="case_channel_created"),
            models.Index(fields=["sla_status", "created_at"], name="case_sla_created"),
            models.Index(fields=["priority", "created_at"], name="case_priority_created"),
            # POC dashboard (opscentre.queries), read from the indexes alone: open cases by the dashboard's
            # filters; the window's arrivals (charts, new today); resolutions (agency table); the weekly summary.
            models.Index(
                fields=["state", "sla_status", "agency", "category", "channel", "district", "village"],
                condition=_OPEN,
                name="case_open_dashboard",
            ),
            models.Index(
                fields=["created_at", "channel", "category", "district", "village", "agency"],
                name="case_created_dashboard",
            ),
            models.Index(
                fields=["resolved_at", "agency", "dispatched_at", "escalated_at"], name="case_resolved_dashboard"
            ),
            models.Index(fields=["closed_at", "state"], name="case_closed"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def headline(self) -> str:
        """The title to show: a report filed without one is titled with its category's Indonesian name, which an
        English reader sees in English; a title someone wrote stays as written."""
        return headline_of(self.title, self.category.name, self.category.name_en)

    @property
    def is_open(self) -> bool:
        return self.state in CaseStateChoices.OPEN


class PublicMapCell(models.Model):
    """How many non-confidential cases lie in one h3 cell (res 9), per category, state and kecamatan.

    Kept by database triggers on cases_case (migration public_map_cell_counts; PostgreSQL and SQLite alike), so no
    code path that writes a case can forget it: the public map answers "how many in view" at any zoom from these
    few thousand rows instead of counting a million cases. `rebuild_public_map_cells()` recounts it (after a bulk
    load that bypassed the triggers). Rows may reach 0 and stay; readers skip them.
    """

    h3_cell = models.CharField(max_length=16)
    h3_cell_coarse = models.CharField(max_length=16)
    category = models.ForeignKey(Category, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    district = models.ForeignKey(District, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    state = models.CharField(max_length=16)
    cases = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["h3_cell", "category", "state", "district"], name="public_map_cell_key")
        ]
        indexes = [
            # A small view reads only the rows of the res-7 cells round it (queries.public_map_view).
            models.Index(
                fields=["h3_cell_coarse", "h3_cell", "state", "cases", "category", "district"],
                name="public_map_cell_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.h3_cell} {self.state}: {self.cases}"


class TimelineEntry(TimelineEntryBase):
    """One append-only line of a case's history: a transition, comment, forward, assignment or escalation.

    The fields are core's TimelineEntryBase. A public entry's note may still be internal
    (TimelineKindChoices.CITIZEN_NOTE_KINDS, read through `public_note`).
    """

    # Indexed by timeline_case_created (its leading column), not on its own.
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="timeline", verbose_name=_("laporan"), db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=20, choices=TimelineKindChoices.choices())

    class Meta(TimelineEntryBase.Meta):
        verbose_name = _("riwayat laporan")
        verbose_name_plural = _("riwayat laporan")
        indexes = [models.Index(fields=["case", "created_at"], name="timeline_case_created")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    @property
    def public_note(self) -> str:
        """The note as the reporter and the public may read it: empty when it was written for staff only."""
        return self.note if self.is_public and self.kind in TimelineKindChoices.CITIZEN_NOTE_KINDS else ""


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.tracking_number}/{filename}"


class Attachment(models.Model):
    """A photo, re-encoded and stripped of metadata before it was stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("laporan"))
    kind = models.CharField(_("jenis"), max_length=16, choices=AttachmentKindChoices.choices())
    file = models.FileField(_("berkas"), upload_to=attachment_path, max_length=255)
    content_type = models.CharField(max_length=40)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("diunggah"))
    # Proof of work (proof photos only): what the camera's EXIF said before it was stripped — when the photo was
    # taken and how far from the case's location (the position itself is not kept). Null: the photo did not say.
    taken_at = models.DateTimeField(_("waktu pengambilan foto"), null=True, blank=True)
    distance_m = models.FloatField(_("jarak dari lokasi laporan (m)"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("lampiran")
        verbose_name_plural = _("lampiran")

    def __str__(self) -> str:
        return self.file.name


class Supporter(models.Model):
    """A citizen who supports an open public case instead of filing a duplicate; hears back when it moves.

    The contact is kept only with consent, for notifications, and is never shown on a public page.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="supporters", verbose_name=_("laporan"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("HP"), max_length=20, blank=True)
    # The language the supporter used; messages to the contact are written in it (empty: the city's default).
    language = models.CharField(_("bahasa"), max_length=8, blank=True, default="")
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("pendukung laporan")
        verbose_name_plural = _("pendukung laporan")
        indexes = [models.Index(fields=["case", "created_at"], name="supporter_case")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.pk}"


class IdempotencyKey(models.Model):
    """Remembers which case a client's Idempotency-Key created, so a retry returns it instead of a copy."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    # Hash of the request body: the same key with a different body is a client error, not a retry.
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class TrackingSequence(models.Model):
    """The last tracking number handed out in a month (numbers restart each month: BKS-2611-000001)."""

    period = models.CharField(max_length=4, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.period}: {self.last_number}"


class ReporterDataAccess(models.Model):
    """Audit log: a member of staff was shown a reporter's personal data (UU PDP)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("akses data pelapor")
        verbose_name_plural = _("akses data pelapor")
        indexes = [models.Index(fields=["case", "created_at"], name="reporter_access_case")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id} ({self.created_at:%Y-%m-%d %H:%M})"


class PersonalDataExport(models.Model):
    """Audit log: a supervisor downloaded a bulk export with personal data, and said why (UU PDP)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    export = models.CharField(_("ekspor"), max_length=40)
    purpose = models.CharField(_("tujuan"), max_length=200)
    query = models.CharField(_("filter"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ekspor data pribadi")
        verbose_name_plural = _("ekspor data pribadi")

    def __str__(self) -> str:
        return f"{self.export} · {self.user_id} ({self.created_at:%Y-%m-%d %H:%M})"


class SavedFilter(models.Model):
    """A member of staff's named case search (the query string of the search page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(_("nama"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("filter tersimpan")
        verbose_name_plural = _("filter tersimpan")
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_user_name")]

    def __str__(self) -> str:
        return self.name


class Instruction(models.Model):
    """A mayor's instruction on a case ("disposisi pimpinan"), tracked until the responsible agency answers it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="instructions", verbose_name=_("laporan"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("dari")
    )
    text = models.TextField(_("isi disposisi"), max_length=2000)
    created_at = models.DateTimeField(_("waktu"))
    answer = models.TextField(_("tanggapan"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ditanggapi oleh"),
    )
    answered_at = models.DateTimeField(_("ditanggapi"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("disposisi pimpinan")
        verbose_name_plural = _("disposisi pimpinan")
        indexes = [
            models.Index(fields=["case", "created_at"], name="instruction_case_created"),
            models.Index(fields=["answered_at", "created_at"], name="instruction_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.text[:40]}"

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class HeldPhotoFile(models.Model):
    """A photo held for a refused report form (cases/held_photos.py), recorded so the purge finds it by its age
    through the storage's delete() alone: a storage need not list its folders (Storage.listdir is optional)."""

    path = models.CharField(max_length=255, unique=True)
    held_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.path
