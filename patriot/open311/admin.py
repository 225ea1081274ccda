"""Admin for Open311 API keys (list and revoke; keys are issued with `patriot open311-key create`) and their requests."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patriot.open311.models import ApiKey, SubmittedRequest
from patriot.open311.services import revoke_api_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix")
    readonly_fields = ("name", "prefix", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The key is shown once, by the command that creates it.
        return False

    @admin.action(description=_("Cabut kunci terpilih"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = sum(revoke_api_key(key) for key in queryset)
        self.message_user(
            request,
            ngettext("%(count)d kunci dicabut.", "%(count)d kunci dicabut.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(SubmittedRequest)
class SubmittedRequestAdmin(admin.ModelAdmin):
    list_display = ("case", "api_key", "created_at", "media_url")
    list_filter = ("api_key",)
    search_fields = ("case__tracking_number",)
    readonly_fields = ("case", "api_key", "media_url", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
