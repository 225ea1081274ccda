"""Admin pages for areas: names and RW/RT numbers are editable, shapes change only through the import commands; the
city's own places (for the report form's place search) are added, edited and switched off here or by `import-places`.
"""

from __future__ import annotations

from typing import Any

import shapely
from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patriot.geo.gazetteer import reset_city_places_on_change
from patriot.geo.geometry import from_geojson
from patriot.geo.lookup import LocationError, locate
from patriot.geo.models import CityPlace, District, RukunTetangga, RukunWarga, Village


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
        return _boundary_summary(village.boundary)


def _boundary_summary(boundary: dict[str, Any] | None) -> str:
    if not boundary:
        return "—"
    shape = from_geojson(boundary)
    return _("%(kind)s dengan %(points)d titik") % {
        "kind": shape.geom_type,
        "points": shapely.get_num_coordinates(shape),
    }


class RukunTetanggaInline(admin.TabularInline):
    model = RukunTetangga
    fields = ("number", "has_boundary")
    readonly_fields = ("has_boundary",)
    extra = 0

    @admin.display(description=_("poligon"), boolean=True)
    def has_boundary(self, rt: RukunTetangga) -> bool:
        return bool(rt.boundary)


@admin.register(RukunWarga)
class RukunWargaAdmin(admin.ModelAdmin):
    """RW numbers may be added by hand; polygons come only from `import-rw`."""

    list_display = ("label", "village", "district", "rt_count", "has_boundary")
    list_filter = ("village__district",)
    list_select_related = ("village__district",)
    search_fields = ("village__code", "village__name", "=number")
    autocomplete_fields = ("village",)
    fields = ("village", "number", "centroid_lat", "centroid_lon", "boundary_summary")
    readonly_fields = ("centroid_lat", "centroid_lon", "boundary_summary")
    inlines = (RukunTetanggaInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[RukunWarga]:
        return super().get_queryset(request).annotate(rt_count=Count("rukun_tetangga"))

    @admin.display(description=_("RW"), ordering="number")
    def label(self, rw: RukunWarga) -> str:
        return rw.label

    @admin.display(description=_("kecamatan"), ordering="village__district__code")
    def district(self, rw: RukunWarga) -> District:
        return rw.village.district

    @admin.display(description=_("RT"), ordering="rt_count")
    def rt_count(self, rw: RukunWarga) -> int:
        return rw.rt_count  # type: ignore[attr-defined]  # annotated by get_queryset

    @admin.display(description=_("poligon"), boolean=True)
    def has_boundary(self, rw: RukunWarga) -> bool:
        return bool(rw.boundary)

    @admin.display(description=_("batas wilayah (GeoJSON)"))
    def boundary_summary(self, rw: RukunWarga) -> str:
        return _boundary_summary(rw.boundary)


class CityPlaceForm(forms.ModelForm):
    """A place must lie in the city: its kelurahan is found from the point, as `import-places` does."""

    class Meta:
        model = CityPlace
        fields = ("name", "kind", "latitude", "longitude", "source", "is_active")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if latitude is not None and longitude is not None:
            try:
                self.instance.village_id = locate(latitude, longitude).village_id
            except LocationError as error:
                self.add_error("latitude", error.messages[0])
        return cleaned


@admin.register(CityPlace)
class CityPlaceAdmin(admin.ModelAdmin):
    """The city's own places; the search finds a change at once in this process, in the others within seconds."""

    form = CityPlaceForm
    list_display = ("name", "kind", "village", "source", "is_active", "imported_at")
    list_filter = ("kind", "is_active", "source", "village__district")
    list_select_related = ("village",)
    search_fields = ("name", "source", "village__name")
    fields = ("name", "kind", "latitude", "longitude", "village", "source", "is_active", "imported_at", "updated_at")
    readonly_fields = ("village", "imported_at", "updated_at")
    actions = ("activate", "deactivate")

    @admin.action(description=_("Aktifkan tempat terpilih"), permissions=["change"])
    def activate(self, request: HttpRequest, queryset: QuerySet[CityPlace]) -> None:
        self._set_active(queryset, active=True)

    @admin.action(description=_("Nonaktifkan tempat terpilih"), permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[CityPlace]) -> None:
        self._set_active(queryset, active=False)

    def _set_active(self, queryset: QuerySet[CityPlace], *, active: bool) -> None:
        # One UPDATE sends no post_save: the search's copy is cleared here, as a saved place would clear it.
        queryset.update(is_active=active, updated_at=timezone.now())
        reset_city_places_on_change(CityPlace, using=queryset.db)
