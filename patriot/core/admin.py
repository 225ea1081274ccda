"""Admin site branding (the platform and the city's name on every admin page) and the personal-data access audit."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from patriot.core.models import PersonalDataAccess

admin.site.site_header = f"Patriot — {settings.PATRIOT_CITY_NAME}"
admin.site.site_title = f"Patriot {settings.PATRIOT_CITY_NAME}"


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Read-only: the audit is written by the apps (core.audit.record_access), never edited."""

    list_display = ("created_at", "user", "subject_type", "subject_id", "data", "purpose")
    list_filter = ("subject_type", "data")
    search_fields = ("subject_id", "purpose", "user__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalDataAccess | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PersonalDataAccess | None = None) -> bool:
        return False
