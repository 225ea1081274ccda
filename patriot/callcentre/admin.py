"""Admin for calls (view only: calls change through the console's services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from patriot.callcentre.models import Call


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "caller_number", "call_type", "transferred_to", "state", "operator")
    list_filter = ("state", "call_type", "transferred_to", "number_withheld")
    search_fields = ("caller_number", "caller_name", "external_id", "cases__tracking_number")
    date_hierarchy = "created_at"
    raw_id_fields = ("cases",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Call | None = None) -> bool:
        return False
