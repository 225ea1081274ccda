"""Districts (kecamatan) and villages (kelurahan) with their boundaries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class District(models.Model):
    """A kecamatan. `code` is the Kemendagri code, e.g. 32.75.01."""

    code = models.CharField(_("kode"), max_length=16, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    official_name = models.CharField(_("nama resmi"), max_length=100, blank=True)
    centroid_lat = models.FloatField(_("lintang titik pusat"))
    centroid_lon = models.FloatField(_("bujur titik pusat"))
    area_km2 = models.FloatField(_("luas (km²)"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    """A kelurahan, with its boundary as GeoJSON geometry.

    `boundary_is_approximate` stays true until an official boundary file is imported: the demo
    polygons are derived from the centroids and only good enough to place a report.
    """

    code = models.CharField(_("kode"), max_length=20, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    official_name = models.CharField(_("nama resmi"), max_length=100, blank=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="villages", verbose_name=_("kecamatan")
    )
    centroid_lat = models.FloatField(_("lintang titik pusat"))
    centroid_lon = models.FloatField(_("bujur titik pusat"))
    area_km2 = models.FloatField(_("luas (km²)"), null=True, blank=True)
    boundary = models.JSONField(_("batas wilayah (GeoJSON)"), null=True, blank=True)
    boundary_is_approximate = models.BooleanField(_("batas perkiraan"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")

    def __str__(self) -> str:
        return self.name
