"""Users with a role, the organisation units they belong to (agencies (OPD), response teams (URC), health
facilities, PSC 119, ambulances, kelurahan/kecamatan offices), API tokens and second-factor devices."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices, UnitKindChoices, unit_kinds_for


class OrganisationUnit(models.Model):
    """A unit a member of staff belongs to and that events, assignments and inboxes can address: an agency (OPD),
    a URC team, a health facility, a PSC 119 centre, an ambulance station or unit, a kelurahan or kecamatan office.

    Agencies and URC teams keep their own tables (Agency, ResponseTeam) and each mirrors itself into one unit of
    kind `agency` / `urc_team` on save; those units are not edited by hand. A health facility or an ambulance may
    lie outside the city (`inside_city` false, a point but no kelurahan).
    """

    kind = models.CharField(_("jenis"), max_length=32, choices=UnitKindChoices.choices())
    code = models.SlugField(_("kode"), max_length=60)
    name = models.CharField(_("nama"), max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("induk")
    )
    latitude = models.FloatField(
        _("lintang"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("bujur"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    district = models.ForeignKey(
        "geo.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kecamatan")
    )
    village = models.ForeignKey(
        "geo.Village", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("kelurahan")
    )
    inside_city = models.BooleanField(_("di dalam kota"), default=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("unit organisasi")
        verbose_name_plural = _("unit organisasi")
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="unit_kind_code_unique")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Isi lintang dan bujur bersama-sama, atau kosongkan keduanya.")
        if not self.inside_city:
            if self.kind not in UnitKindChoices.MAY_BE_OUTSIDE_CITY:
                errors["inside_city"] = _("Unit jenis %(kind)s harus berada di dalam kota.") % {
                    "kind": UnitKindChoices.label(self.kind)
                }
            if self.village_id is not None or self.district_id is not None:
                errors["village"] = _("Unit di luar kota tidak berada di kelurahan atau kecamatan kota.")
        if self.village is not None and self.district_id is not None and self.village.district_id != self.district_id:
            errors["village"] = _("Kelurahan ini tidak berada di kecamatan yang dipilih.")
        if self.parent_id is not None and self.pk is not None and self.pk in _ancestor_ids(self.parent_id):
            errors["parent"] = _("Unit tidak boleh menjadi induk dirinya sendiri.")
        if errors:
            raise ValidationError(errors)


def _ancestor_ids(unit_id: int) -> list[int]:
    """`unit_id` and the ids of its parents up to the top (a cycle ends the walk)."""
    ids: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in ids:
        ids.append(current)
        current = OrganisationUnit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return ids


def _mirror_unit(
    unit_id: int | None, *, kind: str, code: str, name: str, is_active: bool, parent_id: int | None
) -> int:
    """Create or update the unit an Agency or ResponseTeam mirrors itself into; returns its id."""
    fields = {"kind": kind, "code": code, "name": name, "is_active": is_active, "parent_id": parent_id}
    if unit_id is not None and OrganisationUnit.objects.filter(pk=unit_id).update(**fields):
        return unit_id
    return OrganisationUnit.objects.create(**fields).pk


def _mirrored_fields_changed(update_fields: Any) -> bool:
    return update_fields is None or bool({"code", "name", "short_name", "is_active", "agency"} & set(update_fields))


class Agency(models.Model):
    """A city government agency (Organisasi Perangkat Daerah) that receives cases."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    short_name = models.CharField(_("nama singkat"), max_length=60)
    name = models.CharField(_("nama lengkap"), max_length=200)
    description = models.TextField(_("tugas terkait pengaduan"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    unit = models.OneToOneField(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="agency",
        verbose_name=_("unit organisasi"),
    )

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("OPD")
        verbose_name_plural = _("OPD")

    def __str__(self) -> str:
        return self.short_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves the agency with its unit (kind `agency`, same code, full name, active flag)."""
        if not _mirrored_fields_changed(kwargs.get("update_fields")):
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            self.unit_id = _mirror_unit(
                self.unit_id,
                kind=UnitKindChoices.AGENCY,
                code=self.code,
                name=self.name,
                is_active=self.is_active,
                parent_id=None,
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "unit"}
            super().save(*args, **kwargs)


class ResponseTeam(models.Model):
    """An agency's rapid reaction unit (Unit Reaksi Cepat) that works cases in the field."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="teams", verbose_name=_("OPD"))
    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    is_active = models.BooleanField(_("aktif"), default=True)
    unit = models.OneToOneField(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="team",
        verbose_name=_("unit organisasi"),
    )

    class Meta:
        ordering = ["agency__short_name", "name"]
        verbose_name = _("tim URC")
        verbose_name_plural = _("tim URC")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves the team with its unit (kind `urc_team`, under its agency's unit)."""
        if not _mirrored_fields_changed(kwargs.get("update_fields")):
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            agency_unit_id = Agency.objects.filter(pk=self.agency_id).values_list("unit_id", flat=True).first()
            self.unit_id = _mirror_unit(
                self.unit_id,
                kind=UnitKindChoices.URC_TEAM,
                code=self.code,
                name=self.name,
                is_active=self.is_active,
                parent_id=agency_unit_id,
            )
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "unit"}
            super().save(*args, **kwargs)


def _delete_mirrored_unit(sender: type[models.Model], instance: Agency | ResponseTeam, **kwargs: Any) -> None:
    """An agency or team deleted takes its unit along (once nothing else points at it)."""
    if instance.unit_id is not None:
        OrganisationUnit.objects.filter(pk=instance.unit_id, children__isnull=True, members__isnull=True).delete()


post_delete.connect(_delete_mirrored_unit, sender=Agency, dispatch_uid="accounts-agency-unit")
post_delete.connect(_delete_mirrored_unit, sender=ResponseTeam, dispatch_uid="accounts-team-unit")


def check_role_scope(role: str, unit: OrganisationUnit | None) -> None:
    """Refuse a unit the role may not belong to (choices.ROLE_UNIT_KINDS), with a message saying which would do."""
    kinds = unit_kinds_for(role)
    if unit is None or kinds is None or unit.kind in kinds:
        return
    if not kinds:
        raise ValidationError(
            _("Peran %(role)s tidak bergabung dengan unit organisasi mana pun."),
            code="role_scope",
            params={"role": RoleChoices.label(role)},
        )
    raise ValidationError(
        _("Peran %(role)s hanya boleh bergabung dengan unit jenis: %(kinds)s (bukan %(kind)s)."),
        code="role_scope",
        params={
            "role": RoleChoices.label(role),
            "kinds": ", ".join(sorted(UnitKindChoices.label(kind) for kind in kinds)),
            "kind": UnitKindChoices.label(unit.kind),
        },
    )


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=32, choices=RoleChoices.choices(), default=RoleChoices.CITIZEN)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("OPD")
    )
    team = models.ForeignKey(
        ResponseTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("tim URC")
    )
    # The unit the person belongs to. For agency and URC staff it follows `team`, else `agency` (set on save);
    # staff of other units (health, PSC 119, ambulances, offices) are placed here directly.
    unit = models.ForeignKey(
        OrganisationUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("unit organisasi"),
        help_text=_("Untuk staf OPD dan tim URC, unit mengikuti OPD atau tim URC-nya."),
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def placement_unit_id(self) -> int | None:
        """The unit this person belongs to: their URC team's, else their agency's, else the one set directly."""
        if self.team is not None:
            return self.team.unit_id
        if self.agency is not None:
            return self.agency.unit_id
        if self.unit is not None and self.unit.kind in UnitKindChoices.MIRRORED:
            # Left their agency or team: they leave its unit too.
            return None
        return self.unit_id

    def clean(self) -> None:
        super().clean()
        if (
            self.team_id is None
            and self.agency_id is None
            and self.unit is not None
            and self.unit.kind in UnitKindChoices.MIRRORED
        ):
            raise ValidationError({"unit": _("Unit OPD dan tim URC diisi lewat kolom OPD dan tim URC.")})
        unit_id = self.placement_unit_id()
        unit = OrganisationUnit.objects.filter(pk=unit_id).first() if unit_id is not None else None
        try:
            check_role_scope(self.role, unit)
        except ValidationError as error:
            raise ValidationError({"unit": error}) from None

    def save(self, *args: Any, **kwargs: Any) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or {"agency", "team", "unit"} & set(update_fields):
            self.unit_id = self.placement_unit_id()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "unit"}
        super().save(*args, **kwargs)

    @property
    def agency_code(self) -> str:
        """The code of the person's agency (OPD), "" when they have none."""
        return self.agency.code if self.agency_id is not None and self.agency is not None else ""

    @property
    def is_poc(self) -> bool:
        return self.role in RoleChoices.POC_ROLES

    @property
    def sees_citywide(self) -> bool:
        return self.role in RoleChoices.CITYWIDE_ROLES

    @property
    def sees_reporter_identity(self) -> bool:
        return self.role in RoleChoices.IDENTITY_ROLES

    @property
    def is_staff_role(self) -> bool:
        return self.role != RoleChoices.CITIZEN


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for API clients. Only its hash is stored; the token is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("pengguna"))
    name = models.CharField(_("nama"), max_length=100)
    prefix = models.CharField(_("awalan"), max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        verbose_name = _("token API")
        verbose_name_plural = _("token API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return "pat_" + secrets.token_urlsafe(32)


class TotpDevice(models.Model):
    """A person's authenticator app (RFC 6238): the shared secret, encrypted, and the last time step used.

    A device without `confirmed_at` is an enrolment in progress; it signs nobody in.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("pengguna"))
    encrypted_secret = models.TextField(editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("aktif sejak"), null=True, blank=True)
    # A code is accepted only for a time step after this one, so a seen code cannot be replayed in its window.
    last_used_step = models.BigIntegerField(null=True, blank=True, editable=False)
    failed_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("perangkat verifikasi dua langkah")
        verbose_name_plural = _("perangkat verifikasi dua langkah")

    def __str__(self) -> str:
        return f"TOTP {self.user}"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app once; only its hash is stored."""

    device = models.ForeignKey(TotpDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("kode pemulihan")
        verbose_name_plural = _("kode pemulihan")

    def __str__(self) -> str:
        return str(self.device.user)
