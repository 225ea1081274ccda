"""Runs the queued one-off tasks (core/tasks.py) in `patriot worker` and in the web process's worker thread.

The loop is django-tasks-db's `db_worker` without its signal handling and sleeps (the worker command owns those):
each round claims the oldest ready task under SELECT … FOR UPDATE SKIP LOCKED, so several workers never run one
task twice, and runs it through the package's own runner (status, result, error stored on the row). A task
still marked running PATRIOT_TASK_STALE_SECONDS after it started was left by a worker that died: it is queued
again, so a task runs at least once. Finished tasks (their arguments hold addresses and message texts) are
deleted PATRIOT_RETENTION_TASKS_DAYS after they finished; the runner checks both once a minute.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("patriot.tasks")

# Pause of the runner thread when no task is ready.
IDLE_SECONDS = 1.0
HOUSEKEEPING_SECONDS = 60.0


def _worker_id() -> str:
    from patriot.core.worker import worker_name  # host:pid, as the jobs' heartbeat rows

    return worker_name()[:64]


def run_ready_tasks(*, limit: int = 100, backend_name: str = DEFAULT_TASK_BACKEND_ALIAS) -> int:
    """Run tasks whose time has come, highest priority and oldest first, until none is left or `limit` ran;
    returns how many ran. Does nothing unless the backend is the database one."""
    if not isinstance(task_backends[backend_name], DatabaseBackend):
        return 0
    worker_id = _worker_id()
    runner = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend_name,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        ready = DBTaskResult.objects.ready().filter(backend_name=backend_name)
        try:
            with exclusive_transaction(ready.db):
                claimed = ready.get_locked()
                if claimed is not None:
                    claimed.claim(worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):  # SQLite busy: next round
                break
            raise
        if claimed is None:
            break
        runner.run_task(claimed)
        ran += 1
    return ran


def requeue_stale(now: datetime | None = None) -> int:
    """Queue again the tasks a dead worker left running; returns how many."""
    started_before = (now or timezone.now()) - timedelta(seconds=settings.PATRIOT_TASK_STALE_SECONDS)
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=started_before)
    count = stale.update(status=TaskResultStatus.READY)
    if count:
        logger.warning("%d task(s) left running by a stopped worker queued again", count)
    return count


def purge_finished(before: datetime) -> int:
    """Delete tasks that finished (succeeded or failed for good) before `before`; returns how many."""
    finished = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED], finished_at__lt=before
    )
    count, _ = finished.delete()
    return count


def housekeeping() -> None:
    requeue_stale()
    if settings.PATRIOT_RETENTION_TASKS_DAYS > 0:
        purge_finished(timezone.now() - timedelta(days=settings.PATRIOT_RETENTION_TASKS_DAYS))


def run_forever(stop: threading.Event, idle: float = IDLE_SECONDS) -> None:
    """Run tasks as they become ready until `stop` is set; a failing round is logged and retried after `idle`."""
    next_housekeeping = 0.0
    while not stop.is_set():
        close_old_connections()
        ran = 0
        try:
            if time.monotonic() >= next_housekeeping:
                housekeeping()
                next_housekeeping = time.monotonic() + HOUSEKEEPING_SECONDS
            ran = run_ready_tasks()
        except Exception:
            logger.exception("Running queued tasks failed; trying again in %s s", idle)
        finally:
            close_old_connections()
        if not ran:
            stop.wait(idle)


def start(stop: threading.Event) -> threading.Thread:
    """Run the task queue on a daemon thread of this process until `stop` is set."""
    thread = threading.Thread(target=run_forever, args=(stop,), name="patriot-tasks", daemon=True)
    thread.start()
    return thread
