"""A call to the 1500444 line: who called, who answered, what it was about and which cases it touched."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from patriot.callcentre.choices import CallStateChoices, CallTypeChoices, EmergencyLineChoices
from patriot.cases.models import Case


class Call(models.Model):
    """One call. The phone system's hook creates it ringing; an operator answers, logs and ends it.

    `caller_number` is E.164 (+6281234500001) so a repeat caller is found whatever way the number was typed.
    It is blank while the caller's number is withheld (`number_withheld`: the phone system announced the call
    as anonymous/private/…); the operator may then type the number the caller gives.
    `duration_seconds` is kept by the services when the call ends, so the call log's averages need no
    date arithmetic in SQL.
    """

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls_answered",
        verbose_name=_("operator"),
    )
    caller_number = models.CharField(_("nomor penelepon"), max_length=20, blank=True)
    number_withheld = models.BooleanField(_("nomor disembunyikan"), default=False)
    caller_name = models.CharField(_("nama penelepon"), max_length=120, blank=True)
    call_type = models.CharField(_("jenis panggilan"), max_length=20, choices=CallTypeChoices.choices(), blank=True)
    state = models.CharField(
        _("status"), max_length=10, choices=CallStateChoices.choices(), default=CallStateChoices.ACTIVE
    )
    transferred_to = models.CharField(
        _("dialihkan ke"), max_length=4, choices=EmergencyLineChoices.choices(), blank=True
    )
    # The phone system's own call id (or the hook's Idempotency-Key): a retried announcement finds the call.
    external_id = models.CharField(_("ID panggilan sistem telepon"), max_length=100, blank=True)
    line = models.CharField(_("jalur"), max_length=40, blank=True)
    rung_at = models.DateTimeField(_("berdering"), null=True, blank=True)
    started_at = models.DateTimeField(_("mulai"), null=True, blank=True)
    ended_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("durasi (detik)"), null=True, blank=True)
    notes = models.TextField(_("catatan"), max_length=2000, blank=True)
    # A call the 1500444 operator transferred to 119 rings again on the PSC line as a new call pointing back here.
    transferred_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("dialihkan dari")
    )
    cases = models.ManyToManyField(Case, related_name="calls", blank=True, verbose_name=_("laporan terkait"))
    created_at = models.DateTimeField(_("dibuat"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("panggilan")
        verbose_name_plural = _("panggilan")
        constraints = [
            models.UniqueConstraint(fields=["external_id"], condition=~Q(external_id=""), name="call_external_id"),
            models.CheckConstraint(
                condition=Q(call_type="emergency", transferred_to__in=["119", "112"])
                | (~Q(call_type="emergency") & Q(transferred_to="")),
                name="call_emergency_transferred",
            ),
            # Only a call announced without a number may lack one; a call typed in by hand always has one.
            models.CheckConstraint(
                condition=Q(number_withheld=True) | ~Q(caller_number=""), name="call_number_or_withheld"
            ),
        ]
        indexes = [
            models.Index(fields=["caller_number", "created_at"], name="call_caller_created"),
            models.Index(fields=["operator", "started_at"], name="call_operator_started"),
            models.Index(fields=["started_at"], name="call_started"),
            models.Index(fields=["state", "created_at"], name="call_state_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.caller_number or '-'}"

    @property
    def is_open(self) -> bool:
        return self.state != CallStateChoices.ENDED
