"""Users with a role, agencies (OPD), response teams (URC), API tokens and second-factor devices."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from patriot.accounts.choices import RoleChoices


class Agency(models.Model):
    """A city government agency (Organisasi Perangkat Daerah) that receives cases."""

    code = models.SlugField(_("kode"), max_length=40, unique=True)
    short_name = models.CharField(_("nama singkat"), max_length=60)
    name = models.CharField(_("nama lengkap"), max_length=200)
    description = models.TextField(_("tugas terkait pengaduan"), blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("OPD")
        verbose_name_plural = _("OPD")

    def __str__(self) -> str:
        return self.short_name


class ResponseTeam(models.Model):
    """An agency's rapid reaction unit (Unit Reaksi Cepat) that works cases in the field."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="teams", verbose_name=_("OPD"))
    code = models.SlugField(_("kode"), max_length=60, unique=True)
    name = models.CharField(_("nama"), max_length=120)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        ordering = ["agency__short_name", "name"]
        verbose_name = _("tim URC")
        verbose_name_plural = _("tim URC")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("peran"), max_length=32, choices=RoleChoices.choices(), default=RoleChoices.CITIZEN)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("OPD")
    )
    team = models.ForeignKey(
        ResponseTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("tim URC")
    )

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

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
