"""Districts (kecamatan), villages (kelurahan) and their RW and RT, with their boundaries; the city's own places."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from patriot.geo.choices import PlaceKindChoices


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


# Written the way Indonesian addresses write them: "RT 003/RW 05".
RW_DIGITS = 2
RT_DIGITS = 3
MAX_NEIGHBOURHOOD_NUMBER = 999


def rw_label(number: int) -> str:
    return f"RW {number:0{RW_DIGITS}d}"


def rt_label(number: int) -> str:
    return f"RT {number:0{RT_DIGITS}d}"


class RukunWarga(models.Model):
    """An RW: a number within its kelurahan, with a boundary only once one has been imported (`import-rw`)."""

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="rukun_warga", verbose_name=_("kelurahan")
    )
    number = models.PositiveSmallIntegerField(_("nomor RW"))
    boundary = models.JSONField(_("batas wilayah (GeoJSON)"), null=True, blank=True)
    centroid_lat = models.FloatField(_("lintang titik pusat"), null=True, blank=True)
    centroid_lon = models.FloatField(_("bujur titik pusat"), null=True, blank=True)

    class Meta:
        ordering = ["village__code", "number"]
        verbose_name = _("RW")
        verbose_name_plural = _("RW")
        constraints = [
            models.UniqueConstraint(fields=["village", "number"], name="geo_rw_number_unique_in_village"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=MAX_NEIGHBOURHOOD_NUMBER), name="geo_rw_number_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.village}"

    @property
    def label(self) -> str:
        return rw_label(self.number)


class RukunTetangga(models.Model):
    """An RT: a number within its RW, with a boundary only once one has been imported (`import-rw`)."""

    rw = models.ForeignKey(RukunWarga, on_delete=models.PROTECT, related_name="rukun_tetangga", verbose_name=_("RW"))
    number = models.PositiveSmallIntegerField(_("nomor RT"))
    boundary = models.JSONField(_("batas wilayah (GeoJSON)"), null=True, blank=True)
    centroid_lat = models.FloatField(_("lintang titik pusat"), null=True, blank=True)
    centroid_lon = models.FloatField(_("bujur titik pusat"), null=True, blank=True)

    class Meta:
        ordering = ["rw__village__code", "rw__number", "number"]
        verbose_name = _("RT")
        verbose_name_plural = _("RT")
        constraints = [
            models.UniqueConstraint(fields=["rw", "number"], name="geo_rt_number_unique_in_rw"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=MAX_NEIGHBOURHOOD_NUMBER), name="geo_rt_number_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}/{self.rw}"

    @property
    def label(self) -> str:
        return rt_label(self.number)


class CityPlace(models.Model):
    """A place the city loads itself (`import-places` or the admin) for the report form's search by name.

    Searched together with the shipped gazetteer (gazetteer.py). The kelurahan is found from the point when it is
    saved through the import or the admin; `source` says where the row comes from and under which licence.
    Nothing personal is kept: a place is a name, a kind and a point.
    """

    name = models.CharField(_("nama"), max_length=200)
    kind = models.CharField(_("jenis"), max_length=20, choices=PlaceKindChoices.choices())
    latitude = models.FloatField(_("lintang"))
    longitude = models.FloatField(_("bujur"))
    village = models.ForeignKey(
        Village,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    source = models.CharField(
        _("sumber dan lisensi"),
        max_length=200,
        help_text=_("Asal data dan lisensinya, misalnya 'SIG Dinas PUPR 2025' atau 'OpenStreetMap (ODbL)'."),
    )
    imported_at = models.DateTimeField(_("diimpor pada"), null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("aktif"), default=True)
    updated_at = models.DateTimeField(_("diubah pada"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("tempat")
        verbose_name_plural = _("tempat")
        indexes = [models.Index(fields=["source"], name="geo_cityplace_source")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="geo_cityplace_coordinates_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
