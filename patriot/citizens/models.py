"""Citizen accounts (SOROT): verification state, phone codes, notifications and their deliveries, and messages to
contacts without an account."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patriot.cases.models import Case, TimelineEntry
from patriot.citizens.choices import ContactAudienceChoices, DeliveryChannelChoices, DeliveryStatusChoices


class CitizenProfile(models.Model):
    """What a registered citizen has proven (email, phone) and how they want to hear about their cases."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_profile", verbose_name=_("pengguna")
    )
    email_verified_at = models.DateTimeField(_("email terverifikasi"), null=True, blank=True)
    phone_verified_at = models.DateTimeField(_("nomor HP terverifikasi"), null=True, blank=True)
    notify_email = models.BooleanField(_("kabar lewat email"), default=True)
    notify_sms = models.BooleanField(_("kabar lewat SMS"), default=True)
    # The language of emails and SMS the worker sends them (no request to take it from).
    language = models.CharField(_("bahasa"), max_length=8, default="id")
    created_at = models.DateTimeField(_("terdaftar"))

    class Meta:
        verbose_name = _("profil warga")
        verbose_name_plural = _("profil warga")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None and self.phone_verified_at is not None


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove a phone number; only its keyed hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("kode verifikasi HP")
        verbose_name_plural = _("kode verifikasi HP")

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone[:6]}…"


class Notification(models.Model):
    """One change of a citizen's case, made from one outbox event (never twice: unique per user and event)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("pengguna")
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("laporan"))
    entry = models.ForeignKey(TimelineEntry, on_delete=models.CASCADE, related_name="+", verbose_name=_("riwayat"))
    event_id = models.BigIntegerField()
    created_at = models.DateTimeField(_("waktu"))
    read_at = models.DateTimeField(_("dibaca"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        constraints = [models.UniqueConstraint(fields=["user", "event_id"], name="notification_once_per_event")]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} #{self.event_id}"


class Delivery(models.Model):
    """Sending one notification by email or SMS; failures are retried with a growing pause, never dropped."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("saluran"), max_length=8, choices=DeliveryChannelChoices.choices())
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatusChoices.choices(), default=DeliveryStatusChoices.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    next_attempt_at = models.DateTimeField(_("percobaan berikutnya"))
    # A worker that takes a delivery holds it until then; if it dies mid-send another takes it over.
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    last_error = models.CharField(_("galat terakhir"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("pengiriman notifikasi")
        verbose_name_plural = _("pengiriman notifikasi")
        constraints = [models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification_id} {self.channel} {self.status}"


class RelayCursor(models.Model):
    """How far a relay has read the outbox: every event up to `last_event_id` has been handled."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"


class ContactMessage(models.Model):
    """An email or SMS to someone without an account: a reporter who left a contact (web form or 1500444 call), the
    reporter of a duplicate merged into this case, or a supporter. One per (event, channel, recipient); the resent
    private link has no event. Sent by the queued task `notify.send_contact_message`, like a Delivery."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", verbose_name=_("laporan"))
    # The case the recipient reported or supported (a duplicate's reporter follows the original: it differs then).
    own_case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    entry = models.ForeignKey(TimelineEntry, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    event_id = models.BigIntegerField(null=True, blank=True)
    audience = models.CharField(_("untuk"), max_length=10, choices=ContactAudienceChoices.choices())
    channel = models.CharField(_("saluran"), max_length=8, choices=DeliveryChannelChoices.choices())
    recipient = models.CharField(_("penerima"), max_length=254)
    # Written in the recipient's language: the reporter's (Case.reporter_language) or the supporter's.
    language = models.CharField(_("bahasa"), max_length=8, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatusChoices.choices(), default=DeliveryStatusChoices.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("percobaan"), default=0)
    sent_at = models.DateTimeField(_("terkirim"), null=True, blank=True)
    last_error = models.CharField(_("galat terakhir"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        verbose_name = _("pesan ke kontak")
        verbose_name_plural = _("pesan ke kontak")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "channel", "recipient"], name="contact_message_once_per_event")
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="contact_message_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.channel} #{self.pk}"
