from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from patriot.referrals.models import BedChange, BedCount, Facility, PrimaryCareDiagnosis


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin):
    list_display = ("unit", "hospital_class", "ownership", "phone", "point_approximate")
    list_filter = ("hospital_class", "ownership", "unit__kind")
    search_fields = ("unit__name", "unit__code", "registry_code")


@admin.register(BedCount)
class BedCountAdmin(admin.ModelAdmin):
    list_display = ("facility", "bed_type", "total", "occupied", "reserved", "queue", "updated_at")
    list_filter = ("bed_type",)
    readonly_fields = ("updated_at", "updated_by")


@admin.register(BedChange)
class BedChangeAdmin(admin.ModelAdmin):
    list_display = ("bed_count", "total", "occupied", "reserved", "queue", "changed_at", "changed_by", "source")
    list_filter = ("source",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# Referrals themselves are not in the admin: their patient data is read only through the audited pages.
@admin.register(PrimaryCareDiagnosis)
class PrimaryCareDiagnosisAdmin(admin.ModelAdmin):
    list_display = ("code", "note", "active")
    list_filter = ("active",)
    search_fields = ("code", "note")
