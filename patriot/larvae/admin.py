"""Si Tik Tik in the admin: inspections read-only and without their household's data (address, point, photo,
answers), since they change only through larvae.services; the system admin
places jumantik and coordinators in their RT, RW or kelurahan (FieldAssignment); RT targets are read here, set by
supervisors on /jumantik/target/."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from patriot.larvae.models import (
    AreaAlert,
    ContainerCount,
    DengueCase,
    FieldAssignment,
    Inspection,
    RtTarget,
    Threshold,
)


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
    # The household's data stays on Si Tik Tik's own pages, where only its supervisors read it and every read is
    # audited (larvae.scope, larvae.audit): the admin shows the area and the counts, never the house.
    exclude = (
        "address",
        "latitude",
        "longitude",
        "h3_cell",
        "h3_cell_coarse",
        "residents",
        "fever_past_week",
        "photo",
        "idempotency_key",
        "fingerprint",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(FieldAssignment)
class FieldAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "village", "rw", "rt")
    list_filter = ("village__district",)
    search_fields = ("user__username", "user__first_name", "user__last_name", "village__name")
    raw_id_fields = ("user",)


@admin.register(RtTarget)
class RtTargetAdmin(admin.ModelAdmin):
    list_display = ("village", "rw", "rt", "houses", "updated_by", "updated_at")
    list_filter = ("village__district",)
    search_fields = ("village__name",)

    # Set on the supervisors' page (/jumantik/target/) through larvae.services, which checks their area.


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
