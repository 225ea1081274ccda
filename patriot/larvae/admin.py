"""Si Tik Tik in the admin: read-only, since inspections change only through larvae.services."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from patriot.larvae.models import ContainerCount, Inspection


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
