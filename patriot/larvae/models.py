"""Si Tik Tik's records: a jumantik's inspection of one building and its container counts by type."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices
from patriot.geo.models import District, Village
from patriot.larvae.choices import (
    BuildingKindChoices,
    ContainerPlaceChoices,
    ContainerTypeChoices,
    DengueSourceChoices,
)


def photo_path(instance: Inspection, filename: str) -> str:
    return f"larvae/{instance.received_at:%Y/%m}/{filename}"


class Inspection(models.Model):
    """One building inspected by a jumantik, placed like a case (point → kelurahan, kecamatan, h3 cells).

    The container totals and `is_positive` are written by the service from the ContainerCount rows in the same
    transaction, so an area's indices are one aggregate over this table (larvae.indices.area_figures). RW and
    RT are plain numbers within the kelurahan until the RW/RT areas exist.
    """

    jumantik = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("jumantik")
    )
    building_kind = models.CharField(_("jenis bangunan"), max_length=8, choices=BuildingKindChoices.choices())
    address = models.CharField(_("alamat"), max_length=300)
    latitude = models.FloatField(_("lintang"))
    longitude = models.FloatField(_("bujur"))
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name=_("kecamatan"))
    rw = models.PositiveSmallIntegerField(_("RW"))
    rt = models.PositiveSmallIntegerField(_("RT"))
    h3_cell = models.CharField(_("sel h3 (res 9)"), max_length=16)
    h3_cell_coarse = models.CharField(_("sel h3 (res 7)"), max_length=16)
    residents = models.PositiveSmallIntegerField(_("jumlah penghuni"), null=True, blank=True)
    fever_past_week = models.BooleanField(_("ada yang demam dalam seminggu terakhir"), default=False)
    # PSN 3M Plus actions taken, values of PsnActionChoices.
    actions = models.JSONField(_("tindakan PSN 3M Plus"), default=list, blank=True)
    photo = models.FileField(_("foto"), upload_to=photo_path, max_length=255, blank=True)

    containers_inspected = models.PositiveIntegerField(_("kontainer diperiksa"), default=0)
    containers_positive = models.PositiveIntegerField(_("kontainer positif jentik"), default=0)
    is_positive = models.BooleanField(_("positif jentik"), default=False)

    # The phone's time of the inspection (an inspection queued offline keeps it) and the server's time of arrival.
    inspected_at = models.DateTimeField(_("waktu pemeriksaan"))
    received_at = models.DateTimeField(_("diterima"))
    # The phone's key for this inspection: a retry with it returns the first inspection instead of a second one.
    idempotency_key = models.CharField(max_length=200, blank=True)
    # Hash of the submission: the same key with other content is a client error, not a retry.
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-inspected_at", "-id"]
        verbose_name = _("pemeriksaan jentik")
        verbose_name_plural = _("pemeriksaan jentik")
        constraints = [
            models.UniqueConstraint(
                fields=["jumantik", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="inspection_jumantik_key",
            ),
            models.CheckConstraint(
                condition=Q(containers_positive__lte=F("containers_inspected")), name="inspection_positive_le_inspected"
            ),
        ]
        indexes = [
            # Indices per area and period read these columns from the index alone.
            models.Index(
                fields=[
                    "inspected_at",
                    "building_kind",
                    "village",
                    "district",
                    "rw",
                    "rt",
                    "is_positive",
                    "containers_inspected",
                    "containers_positive",
                ],
                name="inspection_indices",
            ),
            models.Index(fields=["jumantik", "inspected_at"], name="inspection_jumantik"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.village_id} RW {self.rw} RT {self.rt}"


class ContainerCount(models.Model):
    """Containers of one type and place at an inspected building: how many were looked into, how many had larvae."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="containers", verbose_name=_("pemeriksaan")
    )
    container_type = models.CharField(_("jenis kontainer"), max_length=20, choices=ContainerTypeChoices.choices())
    place = models.CharField(_("letak"), max_length=8, choices=ContainerPlaceChoices.choices())
    inspected = models.PositiveSmallIntegerField(_("diperiksa"))
    positive = models.PositiveSmallIntegerField(_("positif jentik"))

    class Meta:
        ordering = ["inspection", "container_type", "place"]
        verbose_name = _("hitungan kontainer")
        verbose_name_plural = _("hitungan kontainer")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "container_type", "place"], name="container_count_once"),
            models.CheckConstraint(condition=Q(positive__lte=F("inspected")), name="container_positive_le_inspected"),
        ]

    def __str__(self) -> str:
        return f"{self.container_type}/{self.place}: {self.positive}/{self.inspected}"


class FieldAssignment(models.Model):
    """Where a jumantik or a jumantik coordinator works: a kelurahan, and within it an RW and an RT.

    A jumantik is assigned an RT (their week's target and the data-quality distance are measured against it); a
    coordinator an RW, or the whole kelurahan when the RW is left empty (the inspections they supervise).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="larvae_assignment",
        verbose_name=_("pengguna"),
    )
    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"))
    rw = models.PositiveSmallIntegerField(_("RW"), null=True, blank=True)
    rt = models.PositiveSmallIntegerField(_("RT"), null=True, blank=True)

    class Meta:
        ordering = ["village", "rw", "rt"]
        verbose_name = _("wilayah tugas jumantik")
        verbose_name_plural = _("wilayah tugas jumantik")
        constraints = [
            models.CheckConstraint(condition=Q(rt__isnull=True) | Q(rw__isnull=False), name="assignment_rt_needs_rw"),
        ]

    def __str__(self) -> str:
        parts = [str(self.village_id)]
        if self.rw is not None:
            parts.append(f"RW {self.rw}")
        if self.rt is not None:
            parts.append(f"RT {self.rt}")
        return " ".join(parts)

    def clean(self) -> None:
        role = self.user.role if self.user_id else None
        if role == RoleChoices.JUMANTIK and (self.rw is None or self.rt is None):
            raise ValidationError(_("Seorang jumantik ditugaskan ke satu RT: isi RW dan RT."))
        if role not in (RoleChoices.JUMANTIK, RoleChoices.JUMANTIK_COORDINATOR):
            raise ValidationError(_("Hanya jumantik dan koordinator jumantik yang mendapat wilayah tugas."))
        if self.rt is not None and self.rw is None:
            raise ValidationError(_("Isi RW bila RT diisi."))


class RtTarget(models.Model):
    """How many houses an RT should inspect each week, set by its coordinator or puskesmas (without a row, the
    PATRIOT_LARVAE_RT_TARGET_DEFAULT figure applies)."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"))
    rw = models.PositiveSmallIntegerField(_("RW"))
    rt = models.PositiveSmallIntegerField(_("RT"))
    houses = models.PositiveIntegerField(_("target rumah per minggu"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diubah oleh"),
    )
    updated_at = models.DateTimeField(_("diubah"))

    class Meta:
        ordering = ["village", "rw", "rt"]
        verbose_name = _("target rumah RT")
        verbose_name_plural = _("target rumah RT")
        constraints = [models.UniqueConstraint(fields=["village", "rw", "rt"], name="rt_target_once")]

    def __str__(self) -> str:
        return f"{self.village_id} RW {self.rw} RT {self.rt}: {self.houses}"


# --- areas: thresholds, dengue cases, alerts (larvae.services.thresholds, larvae.services.dengue) ---------------


class ThresholdKindChoices(models.TextChoices):
    """What a threshold compares. ABJ is crossed when it falls BELOW the value; the others when they rise ABOVE it."""

    ABJ_BELOW = "abj_below", _("ABJ di bawah (%)")
    HOUSE_INDEX_ABOVE = "hi_above", _("House Index di atas (%)")
    DENGUE_CASES_AT_LEAST = "dbd_at_least", _("Kasus DBD terkonfirmasi sedikitnya")


class ThresholdActionChoices(models.TextChoices):
    BELOW_TARGET = "below_target", _("Di bawah target (PSN, penyuluhan)")
    FOGGING = "fogging", _("Perlu fogging")


class Threshold(models.Model):
    """One rule Dinkes keeps in the admin: an area's week crossing `value` calls for `action`. Only active rules
    with `raises_case` open a case on the complaint workflow; the others colour the pages."""

    kind = models.CharField(_("ukuran"), max_length=16, choices=ThresholdKindChoices.choices)
    value = models.DecimalField(_("nilai batas"), max_digits=6, decimal_places=2)
    action = models.CharField(_("tindakan"), max_length=16, choices=ThresholdActionChoices.choices)
    # Houses an area must have had inspected in the week before an index threshold counts (a single positive
    # house out of three is not yet a House Index of 33 %). Dengue-case thresholds ignore it.
    min_houses = models.PositiveIntegerField(_("rumah diperiksa minimal"), default=10)
    raises_case = models.BooleanField(_("membuat laporan untuk URC"), default=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    description = models.CharField(_("keterangan"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("ambang batas jentik")
        verbose_name_plural = _("ambang batas jentik")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} → {self.get_action_display()}"


class DengueCase(models.Model):
    """Confirmed dengue (DBD) cases Dinkes records for a kelurahan (and RW when known) on a date: counts, no names.
    `source` tells a manual entry from one a referral with ICD-10 A90/A91 produced (services.dengue)."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+", verbose_name=_("kecamatan"))
    rw = models.PositiveSmallIntegerField(_("RW"), null=True, blank=True)
    onset_date = models.DateField(_("tanggal diagnosis"))
    count = models.PositiveSmallIntegerField(_("jumlah kasus"), default=1)
    source = models.CharField(_("sumber"), max_length=16, default="manual")
    source_ref = models.CharField(_("rujukan sumber"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    recorded_at = models.DateTimeField(_("dicatat"))

    class Meta:
        ordering = ["-onset_date", "-id"]
        verbose_name = _("kasus DBD")
        verbose_name_plural = _("kasus DBD")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"], condition=~Q(source_ref=""), name="dengue_case_source_once"
            ),
            models.CheckConstraint(condition=Q(count__gte=1), name="dengue_case_count_positive"),
        ]
        indexes = [models.Index(fields=["onset_date", "village", "rw"], name="dengue_case_area")]

    def __str__(self) -> str:
        return f"{self.onset_date} {self.village_id} RW {self.rw}: {self.count}"

    @property
    def source_label(self) -> str:
        return DengueSourceChoices.label(self.source)


class AreaAlert(models.Model):
    """The one case an area (a kelurahan's RW) has on the complaint workflow for crossing a threshold. While it is
    open, later crossings add to its case instead of opening another; the unique constraint keeps it one even
    when two checks race. `action_taken` is what URC did when it resolved the case (PSN, larvicide, fogging)."""

    village = models.ForeignKey(Village, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"))
    rw = models.PositiveSmallIntegerField(_("RW"))
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="larva_alert", verbose_name=_("laporan")
    )
    is_open = models.BooleanField(_("terbuka"), default=True)
    crossings = models.PositiveIntegerField(_("jumlah pelampauan"), default=1)
    # The last crossing added to the case ("2026-W49 abj_below,hi_above"): the same crossing seen again by the next
    # check adds nothing; a new week or a new reason adds a timeline note.
    last_crossing = models.CharField(_("pelampauan terakhir"), max_length=120)
    opened_at = models.DateTimeField(_("dibuka"))
    updated_at = models.DateTimeField(_("diperbarui"))
    action_taken = models.JSONField(_("tindakan yang diambil"), default=list, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("peringatan wilayah")
        verbose_name_plural = _("peringatan wilayah")
        constraints = [
            models.UniqueConstraint(fields=["village", "rw"], condition=Q(is_open=True), name="area_alert_one_open")
        ]

    def __str__(self) -> str:
        return f"{self.village_id} RW {self.rw}: {self.case_id}"
