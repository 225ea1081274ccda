"""Si Tik Tik's records: a jumantik's inspection of one building and its container counts by type."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices
from patriot.geo.models import District, Village
from patriot.larvae.choices import BuildingKindChoices, ContainerPlaceChoices, ContainerTypeChoices


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
