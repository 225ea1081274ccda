"""Open311 API keys (stored hashed) and which key filed which service request."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from patriot.cases.models import Case


class ApiKey(models.Model):
    """A third-party application's key for POST requests. Only its hash is stored; the key is shown once."""

    name = models.CharField(_("nama aplikasi"), max_length=100, unique=True)
    prefix = models.CharField(_("awalan"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("kunci API Open311")
        verbose_name_plural = _("kunci API Open311")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return "o311_" + secrets.token_urlsafe(32)


class SubmittedRequest(models.Model):
    """The application (API key) that filed a case through Open311, and the media_url it sent (never fetched)."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="open311_request", verbose_name=_("laporan")
    )
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="requests", verbose_name=_("kunci API"))
    media_url = models.URLField(_("media_url dari aplikasi"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("permintaan Open311")
        verbose_name_plural = _("permintaan Open311")

    def __str__(self) -> str:
        return f"{self.api_key.name}: {self.case.tracking_number}"


class CatalogueChange(models.Model):
    """One row: when a service (category) was last added, edited or removed, for discovery's `changeset`.

    The Service Discovery spec: "an updated changeset indicates that there has been an update to the Service
    Discovery list or to the Service Definitions", so clients know when to refresh what they cache.
    """

    changed_at = models.DateTimeField(_("layanan terakhir berubah"))

    class Meta:
        verbose_name = _("perubahan daftar layanan Open311")
        verbose_name_plural = _("perubahan daftar layanan Open311")

    def __str__(self) -> str:
        return self.changed_at.isoformat()
