"""Notification delivery channels and their states."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class DeliveryChannelChoices(ChoiceSet):
    EMAIL = "email"
    SMS = "sms"

    CHOICES = [
        (EMAIL, _("Email"), "blue"),
        (SMS, _("SMS"), "cyan"),
    ]


class DeliveryStatusChoices(ChoiceSet):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"

    CHOICES = [
        (PENDING, _("Menunggu dikirim"), "yellow"),
        (SENT, _("Terkirim"), "green"),
        (FAILED, _("Gagal dikirim"), "red"),
    ]


class ContactAudienceChoices(ChoiceSet):
    """Who a message to a contact without an account is for."""

    REPORTER = "reporter"
    FOLLOWER = "follower"
    SUPPORTER = "supporter"

    CHOICES = [
        (REPORTER, _("Pelapor"), "blue"),
        (FOLLOWER, _("Pelapor laporan duplikat"), "gray"),
        (SUPPORTER, _("Pendukung"), "teal"),
    ]
