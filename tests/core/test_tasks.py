"""One-off tasks through the real queue (django-tasks-db) and a local SMTP server: retries with a pause, exactly one
delivery, giving up after the last attempt, nothing from a rolled-back transaction, a dead worker's task run again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from prometheus_client import REGISTRY

from patriot.core import tasks, tasks_runner
from patriot.core.mail import send_email
from tests.stub_servers import SmtpStub, serving

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def queue(settings: Any) -> None:
    """The production backend instead of the tests' immediate one; retries due at once."""
    settings.TASKS = DATABASE_QUEUE
    settings.PATRIOT_TASK_RETRY_SECONDS = 0
    settings.PATRIOT_TASK_MAX_ATTEMPTS = 4


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpStub]:
    with serving(SmtpStub()) as server:
        settings.EMAIL_BACKEND = "patriot.core.mail.CountingEmailBackend"
        settings.PATRIOT_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server


def _attempts(outcome: str) -> float:
    return REGISTRY.get_sample_value("patriot_task_attempts_total", {"task": "send_email", "outcome": outcome}) or 0


def _rows() -> list[tuple[int, str, str]]:
    """(attempt, status, exception class) of every stored run of send_email, by attempt."""
    rows = [
        (row.args_kwargs["kwargs"].get("attempt", 1), row.status, row.exception_class_path.rsplit(".", 1)[-1])
        for row in DBTaskResult.objects.filter(task_path="patriot.core.mail.send_email")
    ]
    return sorted(rows)


def test_an_email_refused_twice_is_delivered_once_on_the_third_attempt(queue: None, smtp: SmtpStub) -> None:
    smtp.refusals.fail_first = 2
    retries, oks = _attempts("retry"), _attempts("ok")
    with transaction.atomic():
        send_email.enqueue("Laporan diterima", "Isi pesan", ["warga@example.org"])
        assert smtp.refusals.attempts == 0  # queued, not sent inside the transaction
    assert tasks_runner.run_ready_tasks() == 3
    [message] = smtp.messages
    assert message["to"] == ["warga@example.org"] and "Laporan diterima" in message["data"]
    assert smtp.refusals.attempts == 3
    assert _rows() == [
        (1, TaskResultStatus.FAILED, "RetryScheduled"),
        (2, TaskResultStatus.FAILED, "RetryScheduled"),
        (3, TaskResultStatus.SUCCESSFUL, ""),
    ]
    assert (_attempts("retry") - retries, _attempts("ok") - oks) == (2, 1)
    # The stored error names the failure's type, not the server's words (which quote the address).
    assert all("warga@example.org" not in row.traceback for row in DBTaskResult.objects.all())
    assert tasks_runner.run_ready_tasks() == 0 and len(smtp.messages) == 1  # never sent twice


def test_a_retry_waits_for_its_pause(queue: None, smtp: SmtpStub, settings: Any) -> None:
    settings.PATRIOT_TASK_RETRY_SECONDS = 60
    smtp.refusals.fail_first = 1
    send_email.enqueue("Uji", "isi", ["warga@example.org"])
    assert tasks_runner.run_ready_tasks() == 1
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert timedelta(seconds=55) < retry.run_after - timezone.now() <= timedelta(seconds=60)
    assert tasks_runner.run_ready_tasks() == 0 and not smtp.messages
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert tasks_runner.run_ready_tasks() == 1 and len(smtp.messages) == 1
    assert tasks.retry_pause(2) == timedelta(minutes=3) and tasks.retry_pause(9) == tasks.MAX_RETRY_PAUSE


def test_a_server_that_keeps_refusing_is_given_up_after_the_last_attempt(
    queue: None, smtp: SmtpStub, caplog: pytest.LogCaptureFixture
) -> None:
    smtp.refusals.always_fail = True
    gave_up = _attempts("gave_up")
    caplog.set_level(logging.WARNING, logger="patriot.tasks")
    send_email.enqueue("Uji", "isi", ["warga@example.org"])
    assert tasks_runner.run_ready_tasks() == 4
    assert smtp.refusals.attempts == 4 and not smtp.messages
    assert _rows()[-1] == (4, TaskResultStatus.FAILED, "GaveUp")
    assert not DBTaskResult.objects.ready().exists()
    assert _attempts("gave_up") - gave_up == 1
    [final] = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "patriot.tasks"]
    assert final.getMessage() == "Task send_email gave up after 4 attempts: SMTPSenderRefused"
    assert "warga@example.org" not in caplog.text


def test_a_task_queued_in_a_rolled_back_transaction_never_runs(queue: None, smtp: SmtpStub) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        send_email.enqueue("Uji", "isi", ["warga@example.org"])
        raise RuntimeError("the report was not accepted")
    assert not DBTaskResult.objects.exists()
    assert tasks_runner.run_ready_tasks() == 0
    assert smtp.refusals.attempts == 0


def test_a_task_left_running_by_a_dead_worker_runs_again(queue: None, smtp: SmtpStub, settings: Any) -> None:
    send_email.enqueue("Uji", "isi", ["warga@example.org"])
    row = DBTaskResult.objects.get()
    row.claim("dead-worker")
    DBTaskResult.objects.filter(pk=row.pk).update(started_at=timezone.now() - timedelta(minutes=20))
    assert tasks_runner.run_ready_tasks() == 0
    assert tasks_runner.requeue_stale() == 1
    assert tasks_runner.run_ready_tasks() == 1 and len(smtp.messages) == 1
    fresh = DBTaskResult.objects.get()
    assert fresh.status == TaskResultStatus.SUCCESSFUL and fresh.worker_ids[0] == "dead-worker"
    assert tasks_runner.requeue_stale() == 0


def test_finished_tasks_are_deleted_after_the_retention_period(queue: None, smtp: SmtpStub) -> None:
    send_email.enqueue("Uji", "isi", ["warga@example.org"])
    send_email.using(run_after=timezone.now() + timedelta(hours=1)).enqueue("Nanti", "isi", ["warga@example.org"])
    tasks_runner.run_ready_tasks()
    assert tasks_runner.purge_finished(timezone.now() - timedelta(days=1)) == 0
    assert tasks_runner.purge_finished(timezone.now() + timedelta(seconds=1)) == 1
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY  # the one still waiting stays


def test_patriot_worker_once_runs_the_queue(queue: None, smtp: SmtpStub) -> None:
    send_email.enqueue("Uji", "isi", ["warga@example.org"])
    call_command("worker", "--once")
    assert len(smtp.messages) == 1


def test_the_worker_thread_sends_what_the_web_process_queued(queue: None, smtp: SmtpStub) -> None:
    """The in-process worker (make run) and `patriot worker` run the queue on a thread beside the periodic jobs."""
    stop = threading.Event()
    thread = tasks_runner.start(stop)
    try:
        send_email.enqueue("Uji", "isi", ["warga@example.org"])
        deadline = time.monotonic() + 20
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert len(smtp.messages) == 1 and not thread.is_alive()
