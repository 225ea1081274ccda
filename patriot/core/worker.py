"""Background jobs run by `patriot worker`, or inside the web process on SQLite: those the apps registered
(core.registry: the SLA sweep every round, citizens' notifications every few seconds, …) and retention once a day."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.db.models import F
from django.utils import timezone

from patriot.core import clock, metrics, registry
from patriot.core.models import JobRun

logger = logging.getLogger("patriot.worker")
# One JSON line per job run (patriot.core.logging).
run_logger = logging.getLogger("patriot.job")

# One round of the worker: the interval of every job registered without its own (the SLA sweep).
SWEEP_INTERVAL_SECONDS = 60
RETENTION_INTERVAL_SECONDS = 24 * 60 * 60


def apply_retention() -> None:
    """Delete or blank personal data older than each registered retention period; logs counts only."""
    now = clock.now()
    for rule in registry.retention_rules():
        days = getattr(settings, rule.days_setting)
        if days <= 0:
            logger.info("Retention: %s kept (no retention period set)", rule.what)
            continue
        removed = rule.apply(now - timedelta(days=days))
        logger.info("Retention: %s older than %d days: %d removed", rule.what, days, removed)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], None]
    interval: float


def jobs(sweep_interval: float = SWEEP_INTERVAL_SECONDS) -> list[Job]:
    """The jobs the apps registered (core.registry), then the daily retention job over their retention rules."""
    registered = [
        Job(job.name, job.run, sweep_interval if job.interval is None else job.interval)
        for job in registry.periodic_jobs()
    ]
    return [*registered, Job("retention", apply_retention, RETENTION_INTERVAL_SECONDS)]


# A worker's rows are dropped this long after its last run (a restarted process gets a new pid).
FORGET_WORKER_AFTER = timedelta(days=7)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def record_run(job: str, *, started_at: datetime, seconds: float, error: BaseException | None) -> None:
    """Store the heartbeat row of this job in this process; a database outage only costs the row."""
    worker = worker_name()
    failed = error is not None
    values: dict[str, object] = {
        "started_at": started_at,
        "finished_at": timezone.now(),
        "duration_ms": round(seconds * 1000, 1),
    }
    if failed:
        values |= {"last_failed_at": values["finished_at"], "last_error": type(error).__name__[:200]}
    try:
        rows = JobRun.objects.filter(job=job, worker=worker)
        if not rows.update(runs=F("runs") + 1, failures=F("failures") + int(failed), **values):
            JobRun.objects.filter(job=job, finished_at__lt=timezone.now() - FORGET_WORKER_AFTER).delete()
            JobRun.objects.create(job=job, worker=worker, runs=1, failures=int(failed), **values)
    except DatabaseError as db_error:
        logger.warning("Heartbeat of job %s not stored: %s", job, type(db_error).__name__)


def _run(job: Job) -> None:
    close_old_connections()
    started_at = timezone.now()
    started = time.perf_counter()
    error: BaseException | None = None
    try:
        job.run()
    except Exception as failure:
        error = failure
        logger.exception("Background job %s failed; retrying in %s s", job.name, job.interval)
    seconds = time.perf_counter() - started
    outcome = "failed" if error else "ok"
    metrics.JOB_RUNS.labels(job.name, outcome).inc()
    metrics.JOB_SECONDS.labels(job.name).observe(seconds)
    run_logger.info(
        "job run",
        extra={"job": job.name, "outcome": outcome, "duration_ms": round(seconds * 1000, 1), "worker": worker_name()},
    )
    try:
        record_run(job.name, started_at=started_at, seconds=seconds, error=error)
    finally:
        close_old_connections()


def run_jobs_once() -> None:
    for job in jobs():
        _run(job)


def run_forever(stop: threading.Event, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    """Run each job on its own interval (the SLA sweep every `interval` seconds) until `stop` is set;
    one failed round of a job does not end the loop or delay the others."""
    schedule = jobs(interval)
    next_run = {job.name: 0.0 for job in schedule}
    while not stop.is_set():
        for job in schedule:
            if time.monotonic() >= next_run[job.name]:
                _run(job)
                next_run[job.name] = time.monotonic() + job.interval
        stop.wait(max(0.0, min(next_run.values()) - time.monotonic()))


def start_in_process() -> threading.Event:
    """Start the jobs on a daemon thread of this process; returns the event that stops them."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="patriot-worker", daemon=True).start()
    return stop
