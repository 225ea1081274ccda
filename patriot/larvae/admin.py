"""Si Tik Tik in the admin: read-only, since inspections change only through larvae.services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from patriot.larvae.models import AreaAlert, ContainerCount, DengueCase, Inspection, Threshold


class ContainerCountInline(admin.TabularInline):
    model = ContainerCount
    extra = 0
    can_delete = False
    readonly_fields = ("container_type", "place", "inspected", "positive")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("id", "inspected_at", "village", "rw", "rt", "building_kind", "is_positive", "jumantik")
    list_filter = ("building_kind", "is_positive", "district")
    date_hierarchy = "inspected_at"
    inlines = [ContainerCountInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- areas: thresholds are Dinkes' to edit; dengue cases and alerts are read here, written by larvae.services ---


@admin.register(Threshold)
class ThresholdAdmin(admin.ModelAdmin):
    list_display = ("kind", "value", "action", "min_houses", "raises_case", "is_active", "description")
    list_editable = ("value", "min_houses", "raises_case", "is_active")
    list_filter = ("kind", "action", "is_active")


@admin.register(DengueCase)
class DengueCaseAdmin(admin.ModelAdmin):
    list_display = ("onset_date", "district", "village", "rw", "count", "source")
    list_filter = ("source", "district")
    date_hierarchy = "onset_date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AreaAlert)
class AreaAlertAdmin(admin.ModelAdmin):
    list_display = ("village", "rw", "case", "is_open", "crossings", "last_crossing", "action_taken")
    list_filter = ("is_open",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
