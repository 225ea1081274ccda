"""A health facility's profile (one per accounts.OrganisationUnit) and its beds: the current figure per bed type
(BedCount) and every change to it (BedChange), written together by services.set_beds / services.tap."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from patriot.referrals.choices import (
    BedTypeChoices,
    ChangeSourceChoices,
    HospitalClassChoices,
    OwnershipChoices,
    ServiceChoices,
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
