"""Admin for categories and routing rules (editable) and for cases and the reporter-data audit log (view only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from patriot.cases.models import (
    Attachment,
    Case,
    Category,
    PersonalDataExport,
    ReporterDataAccess,
    RoutingRule,
    TimelineEntry,
)
from patriot.cases.seed import attribute_definition_errors


def _sla_target(days: int, hours: int | None) -> str:
    if hours:
        return str(_("%(hours)d jam (24/7)") % {"hours": hours})
    return str(_("%(days)d hari kerja") % {"days": days})


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = (
            "code",
            "name",
            "name_en",
            "group",
            "icon",
            "is_active",
            "description",
            "description_en",
            "keywords",
            "default_agency",
            "default_priority",
            "verify_days",
            "verify_hours",
            "followup_days",
            "followup_hours",
            "attributes",
        )

    def clean_attributes(self) -> Any:
        attributes = self.cleaned_data["attributes"]
        errors = attribute_definition_errors(attributes)
        if errors:
            raise forms.ValidationError(errors)
        return attributes


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = (
        "name",
        "code",
        "group",
        "default_agency",
        "default_priority",
        "verify_target",
        "followup_target",
        "is_active",
    )
    list_filter = ("group", "default_agency", "default_priority", "is_active")
    search_fields = ("code", "name", "name_en", "keywords")
    list_select_related = ("default_agency",)
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "group", "icon", "is_active")}),
        (_("Keterangan untuk warga"), {"fields": ("description", "description_en", "keywords")}),
        (
            _("Disposisi dan SLA"),
            {
                "fields": (
                    "default_agency",
                    "default_priority",
                    ("verify_days", "verify_hours"),
                    ("followup_days", "followup_hours"),
                ),
                "description": _("Bila batas dalam jam diisi, tahap itu memakai jam 24/7, bukan hari kerja."),
            },
        ),
        (
            _("Atribut tambahan"),
            {
                "fields": ("attributes",),
                "description": _(
                    "Daftar JSON berisi {code, label, label_en, datatype, required, values, unit}; datatype: "
                    "string, number, text, datetime, singlevaluelist, multivaluelist; values (daftar "
                    "{key, name, name_en}) hanya untuk jenis daftar."
                ),
            },
        ),
    )

    @admin.display(description=_("batas verifikasi"))
    def verify_target(self, category: Category) -> str:
        return _sla_target(category.verify_days, category.verify_hours)

    @admin.display(description=_("batas tindak lanjut"))
    def followup_target(self, category: Category) -> str:
        return _sla_target(category.followup_days, category.followup_hours)

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> tuple[str, ...]:
        # The code is the category's identity for Open311 clients and `patriot seed`.
        return ("code",) if obj is not None else ()


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = ("category", "district", "village", "agency")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        district = cleaned.get("district")
        village = cleaned.get("village")
        if district is not None and village is not None and village.district_id != district.pk:
            self.add_error("village", _("Kelurahan ini tidak berada di kecamatan yang dipilih."))
        return cleaned


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ("category", "area", "agency")
    list_filter = ("agency", "district", "category__group")
    search_fields = ("category__code", "category__name", "district__name", "village__name", "agency__short_name")
    list_select_related = ("category", "district", "village", "agency")

    @admin.display(description=_("wilayah"))
    def area(self, rule: RoutingRule) -> str:
        return str(rule.village or rule.district or _("seluruh kota"))


class _ViewOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class TimelineEntryInline(_ViewOnlyInline):
    model = TimelineEntry
    fields = ("created_at", "kind", "actor_label", "from_state", "to_state", "note", "is_public")


class AttachmentInline(_ViewOnlyInline):
    model = Attachment
    fields = ("created_at", "kind", "file", "content_type", "width", "height", "size_bytes")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Cases change state only through patriot.cases.services, which writes the timeline and the outbox.

    The reporter's identity stays off these pages: staff read it on the audited case pages (UU PDP).
    """

    list_display = ("tracking_number", "category", "state", "agency", "sla_status", "created_at")
    list_filter = (
        "state",
        "sla_status",
        "channel",
        "priority",
        "category__group",
        "agency",
        "district",
        "is_confidential",
    )
    search_fields = ("tracking_number",)
    list_select_related = ("category", "agency")
    exclude = ("reporter", "reporter_name", "reporter_phone", "reporter_email")
    inlines = (TimelineEntryInline, AttachmentInline)
    # Counting every case on each page load is slow on a large table and adds nothing here.
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Case | None = None) -> bool:
        return False


@admin.register(ReporterDataAccess)
class ReporterDataAccessAdmin(admin.ModelAdmin):
    """The audit log is append-only; keeping it also stops the admin deleting staff who appear in it."""

    list_display = ("created_at", "user", "case", "purpose")
    list_filter = ("created_at",)
    search_fields = ("case__tracking_number", "user__username", "purpose")
    list_select_related = ("case", "user")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ReporterDataAccess | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ReporterDataAccess | None = None) -> bool:
        return False


@admin.register(PersonalDataExport)
class PersonalDataExportAdmin(admin.ModelAdmin):
    """Who downloaded personal data in bulk, which export, with which filter and why; append-only."""

    list_display = ("created_at", "user", "export", "purpose", "query")
    list_filter = ("export", "created_at")
    search_fields = ("user__username", "purpose")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalDataExport | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PersonalDataExport | None = None) -> bool:
        return False
