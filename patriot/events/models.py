"""OutboxEvent: one row per state change, the source of every live stream (SSE `id:` = row id)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxEvent(models.Model):
    kind = models.CharField(_("jenis"), max_length=40)
    # What the event is about, e.g. ("case", "BKS-2611-000123").
    subject_type = models.CharField(max_length=20)
    subject_id = models.CharField(max_length=40)
    # Audience: which agency's and team's staff may receive it; whether the public map may.
    agency_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    # An organisation unit (accounts.OrganisationUnit) the event is addressed to: its staff receive it as well as
    # whoever the event type's own rule admits (events.audience.may_receive).
    unit_id = models.BigIntegerField(null=True, blank=True)
    is_public = models.BooleanField(default=False)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("waktu"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("peristiwa outbox")
        verbose_name_plural = _("peristiwa outbox")
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="outbox_subject")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.subject_id}"
