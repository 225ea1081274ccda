"""Admin for users with their role, placement and second factor (reset only), agencies with their URC teams, the other
organisation units, and API tokens (revoke only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from patriot.accounts import totp
from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices, UnitKindChoices
from patriot.accounts.models import Agency, ApiToken, OrganisationUnit, ResponseTeam, User
from patriot.accounts.services import revoke_api_token
from patriot.core.errors import InvalidInput
from patriot.core.phones import normalise_phone

# Roles whose work is scoped to one agency, and the one scoped to a team as well.
_AGENCY_SCOPED_ROLES = RoleChoices.AGENCY_ROLES | {RoleChoices.URC_OFFICER}


class RolePlacementMixin(forms.BaseForm):
    """Keeps role, agency and team consistent: agency roles need an agency, URC officers a team of it."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role = cleaned.get("role")
        agency = cleaned.get("agency")
        team = cleaned.get("team")
        if role in _AGENCY_SCOPED_ROLES and agency is None:
            self.add_error("agency", _("Peran ini memerlukan OPD."))
        if role == RoleChoices.URC_OFFICER and team is None:
            self.add_error("team", _("Petugas URC memerlukan tim URC."))
        if team is not None and agency is not None and team.agency_id != agency.pk:
            self.add_error("team", _("Tim URC ini bukan milik OPD yang dipilih."))
        if team is not None and agency is None:
            self.add_error("agency", _("Pilih OPD pemilik tim URC ini."))
        return cleaned

    def clean_phone(self) -> str:
        """Stored as E.164 like every number in Patriot, so the call centre's lookup finds this person."""
        text = (self.cleaned_data.get("phone") or "").strip()
        if not text:
            return ""
        try:
            return normalise_phone(text, field="phone", allow_foreign=True)
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None


class PatriotUserChangeForm(RolePlacementMixin, UserChangeForm):
    pass


class PatriotUserCreationForm(RolePlacementMixin, AdminUserCreationForm):
    pass


_PLACEMENT_FIELDS = ("role", "agency", "team", "unit", "phone")


@admin.register(User)
class PatriotUserAdmin(UserAdmin):
    form = PatriotUserChangeForm
    add_form = PatriotUserCreationForm
    fieldsets = (
        UserAdmin.fieldsets[0],  # type: ignore[index]  # django-stubs types fieldsets optional; UserAdmin sets them
        (_("Peran dan penempatan"), {"fields": _PLACEMENT_FIELDS}),
        *UserAdmin.fieldsets[1:],  # type: ignore[index]  # as above
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Peran dan penempatan"), {"classes": ("wide",), "fields": _PLACEMENT_FIELDS}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "agency",
        "team",
        "unit",
        "is_active",
        "has_second_factor",
        "last_login",
    )
    list_filter = ("role", "agency", "unit__kind", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    list_select_related = ("agency", "team", "unit", "totp_device")
    actions = ("reset_second_factor",)

    @admin.display(description=_("verifikasi dua langkah"), boolean=True)
    def has_second_factor(self, user: User) -> bool:
        device = getattr(user, "totp_device", None)
        return device is not None and device.confirmed_at is not None

    def has_reset_second_factor_permission(self, request: SignedInRequest) -> bool:
        # Removing someone's second factor lets their password alone in: a system administrator's call only.
        return request.user.is_superuser or request.user.role == RoleChoices.SYSTEM_ADMIN

    @admin.action(description=_("Setel ulang verifikasi dua langkah"), permissions=["reset_second_factor"])
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        reset = sum(totp.reset(user) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "Verifikasi dua langkah %(count)d pengguna disetel ulang; mereka mendaftarkan aplikasi lagi saat masuk.",
                "Verifikasi dua langkah %(count)d pengguna disetel ulang; mereka mendaftarkan aplikasi lagi saat masuk.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )


class ResponseTeamForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # `patriot seed` finds teams by code: a changed code would be seeded again as a new team.
        if self.instance.pk is not None:
            self.fields["code"].disabled = True


class ResponseTeamInline(admin.TabularInline):
    model = ResponseTeam
    form = ResponseTeamForm
    fields = ("code", "name", "is_active")
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("short_name", "name", "code", "team_count", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "short_name", "name")
    inlines = (ResponseTeamInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        return super().get_queryset(request).annotate(team_total=Count("teams"))

    @admin.display(description=_("tim URC"), ordering="team_total")
    def team_count(self, agency: Agency) -> int:
        return agency.team_total  # type: ignore[attr-defined]  # annotated by get_queryset

    def get_readonly_fields(self, request: HttpRequest, obj: Agency | None = None) -> tuple[str, ...]:
        # `patriot seed` finds agencies by code: a renamed code would be seeded again as a new agency.
        return ("code",) if obj is not None else ()


class OrganisationUnitForm(forms.ModelForm):
    class Meta:
        model = OrganisationUnit
        fields = (
            "kind",
            "code",
            "name",
            "parent",
            "inside_city",
            "latitude",
            "longitude",
            "district",
            "village",
            "is_active",
        )

    def clean_kind(self) -> str:
        kind: str = self.cleaned_data["kind"]
        if kind in UnitKindChoices.MIRRORED and (self.instance.pk is None or self.instance.kind != kind):
            raise forms.ValidationError(_("Unit OPD dan tim URC dibuat dan diubah lewat halaman OPD."))
        return kind


@admin.register(OrganisationUnit)
class OrganisationUnitAdmin(admin.ModelAdmin):
    """Units of every kind. Agency and URC team units mirror their rows and are read-only here."""

    form = OrganisationUnitForm
    list_display = ("name", "kind", "code", "parent", "inside_city", "is_active")
    list_filter = ("kind", "inside_city", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)

    def _mirrored(self, obj: OrganisationUnit | None) -> bool:
        return obj is not None and obj.kind in UnitKindChoices.MIRRORED

    def get_readonly_fields(self, request: HttpRequest, obj: OrganisationUnit | None = None) -> tuple[str, ...]:
        if self._mirrored(obj):
            return OrganisationUnitForm.Meta.fields
        # `patriot seed` finds the offices by kind and code: a changed code would be seeded again.
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: OrganisationUnit | None = None) -> bool:
        return not self._mirrored(obj) and super().has_delete_permission(request, obj)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `patriot api-token create`, which shows the secret once on the terminal."""

    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke_tokens",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Cabut token terpilih"))
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(revoke_api_token(token) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token dicabut.", "%(count)d token dicabut.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )
