"""JobRun: the latest run of each background job in each worker process, the heartbeat /readyz reads."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
