"""Core rows: JobRun (the latest run of each background job in each worker process, the heartbeat /readyz reads);
the fields every app's timeline shares (TimelineEntryBase); the personal-data access audit for any subject
(PersonalDataAccess)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from patriot.core.choices import PersonalDataChoices


class JobRun(models.Model):
    """One row per (job, worker): every process reads when a job last ran anywhere, and how it went."""

    job = models.CharField(_("pekerjaan"), max_length=40)
    # host:pid of the process that ran it.
    worker = models.CharField(_("proses"), max_length=120)
    started_at = models.DateTimeField(_("mulai terakhir"))
    finished_at = models.DateTimeField(_("selesai terakhir"))
    duration_ms = models.FloatField(_("durasi (ms)"))
    runs = models.PositiveBigIntegerField(_("jumlah putaran"), default=0)
    failures = models.PositiveBigIntegerField(_("jumlah gagal"), default=0)
    last_failed_at = models.DateTimeField(_("gagal terakhir"), null=True, blank=True)
    # The exception's type only: its message may quote personal data.
    last_error = models.CharField(_("galat terakhir"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("putaran pekerjaan latar")
        verbose_name_plural = _("putaran pekerjaan latar")
        constraints = [models.UniqueConstraint(fields=["job", "worker"], name="jobrun_job_worker")]
        indexes = [models.Index(fields=["finished_at"], name="jobrun_finished")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.worker}"


class TimelineEntryBase(models.Model):
    """One append-only line of a subject's history. Each app's timeline subclasses it with a ForeignKey to its
    subject (`cases.TimelineEntry.case`; an emergency incident, a referral or an inspection the same way) and
    may narrow `kind` to its own choices; the entry and its outbox event are written in one step
    (events.steps)."""

    kind = models.CharField(_("jenis"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
    )
    # Who acted, as shown to people who may not see the actor's account (e.g. "Pelapor", "Sistem").
    actor_label = models.CharField(_("oleh (tampilan)"), max_length=120, blank=True)
    from_state = models.CharField(_("dari status"), max_length=16, blank=True)
    to_state = models.CharField(_("ke status"), max_length=16, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # An internal entry (a staff comment, an escalation) stays off public pages.
    is_public = models.BooleanField(_("tampil ke publik"), default=True)
    created_at = models.DateTimeField(_("waktu"))

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]


class PersonalDataAccess(models.Model):
    """Audit log (UU PDP): a member of staff was shown personal data of a subject of any app — an emergency
    incident, a referral, an inspection, a case — which kind (a reporter's or patient's identity, a diagnosis),
    and why. Written through `core.audit.record_access`.

    The cases app's reporter reads keep their own log (`cases.ReporterDataAccess`, per case, with the same
    purpose and retention): this model is for the apps that come after it.
    """

    subject_type = models.CharField(_("jenis subjek"), max_length=40)
    subject_id = models.CharField(_("subjek"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pengguna")
    )
    data = models.CharField(_("data"), max_length=24, choices=PersonalDataChoices.choices())
    purpose = models.CharField(_("tujuan"), max_length=200)
    created_at = models.DateTimeField(_("waktu"))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("akses data pribadi")
        verbose_name_plural = _("akses data pribadi")
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "created_at"], name="data_access_subject"),
            models.Index(fields=["created_at"], name="data_access_created"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.subject_type} {self.subject_id}: {self.data} ({self.created_at:%Y-%m-%d %H:%M})"
