"""Admin for citizen profiles and notification deliveries (view only: citizens and the worker change them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from patriot.citizens.models import CitizenProfile, Delivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CitizenProfile)
class CitizenProfileAdmin(ReadOnlyAdmin):
    list_display = ("user", "email_verified_at", "phone_verified_at", "notify_email", "notify_sms", "created_at")
    list_filter = ("notify_email", "notify_sms")
    search_fields = ("user__username", "user__email", "user__phone")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("notification", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error")
    list_filter = ("channel", "status")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
