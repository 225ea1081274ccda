"""Reads for the core's own pages: the background jobs' status for the system admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from patriot.core import worker
from patriot.core.models import JobRun


@dataclass(frozen=True)
class JobStatus:
    """A periodic job as `patriot worker` runs it, and how its latest run went in any worker process."""

    name: str
    interval_seconds: float
    last_run: datetime | None
    duration_ms: float | None
    runs: int
    failures: int
    last_error: str
    last_failed_at: datetime | None
    workers: int


def job_statuses() -> list[JobStatus]:
    """Every job the worker runs (core.registry's jobs, then retention), in the worker's order, with the heartbeat
    rows of all worker processes (core.models.JobRun) folded into one line per job."""
    rows: dict[str, list[JobRun]] = {}
    for row in JobRun.objects.order_by("-finished_at"):
        rows.setdefault(row.job, []).append(row)
    statuses = []
    for job in worker.jobs():
        runs = rows.get(job.name, [])
        latest = runs[0] if runs else None
        failed = max(
            (row for row in runs if row.last_failed_at),
            key=lambda row: row.last_failed_at or row.finished_at,
            default=None,
        )
        statuses.append(
            JobStatus(
                name=job.name,
                interval_seconds=job.interval,
                last_run=latest.finished_at if latest else None,
                duration_ms=latest.duration_ms if latest else None,
                runs=sum(row.runs for row in runs),
                failures=sum(row.failures for row in runs),
                last_error=failed.last_error if failed else "",
                last_failed_at=failed.last_failed_at if failed else None,
                workers=len(runs),
            )
        )
    return statuses
