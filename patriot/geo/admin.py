"""Admin pages for kecamatan and kelurahan: names are editable, shapes change only through load-areas/import-areas."""

from __future__ import annotations

from typing import Any

import shapely
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from patriot.geo.geometry import from_geojson
from patriot.geo.models import District, Village


class BoundaryKindFilter(admin.SimpleListFilter):
    title = _("batas")
    parameter_name = "batas"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        return [("resmi", _("resmi")), ("perkiraan", _("perkiraan")), ("kosong", _("belum ada"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Village]) -> QuerySet[Village]:
        if self.value() == "resmi":
            return queryset.filter(boundary__isnull=False, boundary_is_approximate=False)
        if self.value() == "perkiraan":
            return queryset.filter(boundary__isnull=False, boundary_is_approximate=True)
        if self.value() == "kosong":
            return queryset.filter(boundary__isnull=True)
        return queryset


class AreaAdmin(admin.ModelAdmin):
    """Areas come from the reference data and boundary imports, and cases point at them: no adding or deleting."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(District)
class DistrictAdmin(AreaAdmin):
    list_display = ("code", "name", "official_name", "village_count", "area_km2")
    search_fields = ("code", "name", "official_name")
    fields = ("code", "name", "official_name", "centroid_lat", "centroid_lon", "area_km2")
    readonly_fields = ("code", "centroid_lat", "centroid_lon", "area_km2")

    def get_queryset(self, request: HttpRequest) -> QuerySet[District]:
        return super().get_queryset(request).annotate(village_count=Count("villages"))

    @admin.display(description=_("kelurahan"), ordering="village_count")
    def village_count(self, district: District) -> int:
        return district.village_count  # type: ignore[attr-defined]  # annotated by get_queryset


@admin.register(Village)
class VillageAdmin(AreaAdmin):
    list_display = ("code", "name", "official_name", "district", "boundary_kind", "area_km2")
    list_filter = (BoundaryKindFilter, "district")
    list_select_related = ("district",)
    search_fields = ("code", "name", "official_name", "district__name")
    fields = (
        "code",
        "name",
        "official_name",
        "district",
        "centroid_lat",
        "centroid_lon",
        "area_km2",
        "boundary_kind",
        "boundary_summary",
    )
    readonly_fields = (
        "code",
        "district",
        "centroid_lat",
        "centroid_lon",
        "area_km2",
        "boundary_kind",
        "boundary_summary",
    )

    @admin.display(description=_("batas"), ordering="boundary_is_approximate")
    def boundary_kind(self, village: Village) -> str:
        if not village.boundary:
            return str(_("belum ada"))
        return str(_("perkiraan") if village.boundary_is_approximate else _("resmi"))

    @admin.display(description=_("batas wilayah (GeoJSON)"))
    def boundary_summary(self, village: Village) -> str:
        if not village.boundary:
            return "—"
        shape = from_geojson(village.boundary)
        return _("%(kind)s dengan %(points)d titik") % {
            "kind": shape.geom_type,
            "points": shapely.get_num_coordinates(shape),
        }
