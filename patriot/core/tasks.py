"""One-off jobs with retries (email, SMS, …) on Django's tasks framework (`django-tasks`, stored by `django-tasks-db`).

An app writes a module-level function and marks it `@task()` (from django_tasks), and `@retried` under it when a
failure should be tried again; it queues a run with `the_task.enqueue(...)`. With the database backend
(settings.TASKS) the queued run is a row written in the caller's transaction: it exists only if that transaction
commits, and once committed it is not lost if the process dies. `patriot worker` (or the in-process worker thread)
runs queued tasks (core/tasks_runner.py). The tests use the immediate backend, which runs a task where it is queued.

    @task()
    @retried
    def send_receipt(order_id: int, *, attempt: int = 1) -> None: ...

A `@retried` function that raises is queued again after a pause (PATRIOT_TASK_RETRY_SECONDS × 3^(n−1), at most
12 hours) with `attempt` one higher, until PATRIOT_TASK_MAX_ATTEMPTS; then the failure is logged (logger
"patriot.tasks") and counted (patriot_task_attempts_total{outcome="gave_up"}). The function may take the keyword
`attempt` to know which try it is (`is_last_attempt(attempt)`). Logs and the stored error name the exception's
type only: a mail server's refusal quotes the address.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from patriot.core import metrics

logger = logging.getLogger("patriot.tasks")

MAX_RETRY_PAUSE = timedelta(hours=12)


class RetryScheduled(Exception):
    """This attempt failed and the next one is queued (the task's row shows it as failed)."""


class GaveUp(Exception):
    """The last attempt failed; the task is not tried again."""


def max_attempts() -> int:
    return max(1, settings.PATRIOT_TASK_MAX_ATTEMPTS)


def is_last_attempt(attempt: int) -> bool:
    return attempt >= max_attempts()


def retry_pause(attempt: int) -> timedelta:
    """The pause after the `attempt`-th failed try."""
    seconds = settings.PATRIOT_TASK_RETRY_SECONDS * 3 ** (attempt - 1)
    return min(timedelta(seconds=seconds), MAX_RETRY_PAUSE)


def next_attempt_at(attempt: int) -> datetime:
    return timezone.now() + retry_pause(attempt)


def retried(func: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a task function (under `@task()`) to be queued again when it raises; see the module's text."""
    takes_attempt = "attempt" in inspect.signature(func).parameters
    path = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def attempt_once(*args: Any, attempt: int = 1, **kwargs: Any) -> Any:
        try:
            result = func(*args, **({**kwargs, "attempt": attempt} if takes_attempt else kwargs))
        except Exception as error:
            failure = type(error).__name__
            if is_last_attempt(attempt):
                metrics.TASK_ATTEMPTS.labels(func.__name__, "gave_up").inc()
                logger.error(
                    "Task %s gave up after %d attempts: %s",
                    func.__name__,
                    attempt,
                    failure,
                    extra={"task": func.__name__, "attempt": attempt, "error": failure},
                )
                raise GaveUp(f"attempt {attempt} of {max_attempts()} failed: {failure}") from None
            metrics.TASK_ATTEMPTS.labels(func.__name__, "retry").inc()
            again = import_string(path)  # the Task this function is bound to at module level
            if again.get_backend().supports_defer:
                again = again.using(run_after=next_attempt_at(attempt))
            logger.warning(
                "Task %s attempt %d failed (%s); tried again in %s",
                func.__name__,
                attempt,
                failure,
                retry_pause(attempt),
                extra={"task": func.__name__, "attempt": attempt, "error": failure},
            )
            again.enqueue(*args, attempt=attempt + 1, **kwargs)
            raise RetryScheduled(f"attempt {attempt} of {max_attempts()} failed: {failure}") from None
        metrics.TASK_ATTEMPTS.labels(func.__name__, "ok").inc()
        return result

    return attempt_once
