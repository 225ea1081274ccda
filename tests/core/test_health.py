"""/healthz and /readyz: each check's state, 503 when one fails, no secrets, no sign-in needed."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from patriot.citizens.notify import relay_outbox
from patriot.core import worker
from patriot.core.models import JobRun
from patriot.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _connections_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker closes its connection around each job; inside a test's transaction that would end the test's."""
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)


def _ready() -> tuple[int, dict]:
    response = Client().get("/readyz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, json.loads(response.content)


def _heartbeat(seconds_ago: float = 0) -> None:
    now = timezone.now() - timedelta(seconds=seconds_ago)
    JobRun.objects.update_or_create(
        job="sla-sweep", worker="host:1", defaults={"started_at": now, "finished_at": now, "duration_ms": 3, "runs": 1}
    )


def test_healthz_answers_without_the_database() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200 and json.loads(response.content) == {"status": "ok"}


def test_ready_when_the_database_is_migrated_and_a_worker_ran_lately() -> None:
    worker.run_jobs_once()
    status, body = _ready()
    assert status == 200 and body["status"] == "ready", body
    checks = body["checks"]
    assert checks["database"]["state"] == "ok" and checks["redis"]["state"] == "off"
    assert checks["worker"]["state"] == "ok" and checks["worker"]["last_run_seconds_ago"] < 60
    assert checks["outbox"] == {"state": "ok", "lag_seconds": 0.0, "ms": checks["outbox"]["ms"]}


def test_a_worker_run_stores_its_heartbeat_per_job_and_process() -> None:
    worker.run_jobs_once()
    worker.run_jobs_once()
    rows = {row.job: row for row in JobRun.objects.all()}
    assert set(rows) == {
        "sla-sweep",
        "held-photos-purge",
        "trigram-merge",
        "citizen-notifications",
        "larvae-thresholds",
        "referral-escalation",
        "retention",
    }
    assert all(row.runs == 2 and row.failures == 0 and row.worker.endswith(f":{os.getpid()}") for row in rows.values())


def test_a_failing_job_records_the_error_type_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> None:
        raise ValueError("warga@example.org")

    monkeypatch.setattr(worker, "jobs", lambda interval=60: [worker.Job("broken", broken, 60)])
    worker.run_jobs_once()
    row = JobRun.objects.get(job="broken")
    assert row.failures == 1 and row.last_error == "ValueError" and row.last_failed_at is not None


def test_no_heartbeat_or_a_stale_one_is_not_ready() -> None:
    status, body = _ready()
    assert status == 503 and body["status"] == "not ready"
    assert body["checks"]["worker"]["state"] == "failing" and body["checks"]["worker"]["last_run_seconds_ago"] is None
    _heartbeat(seconds_ago=200)
    status, body = _ready()
    assert status == 503 and body["checks"]["worker"]["state"] == "failing"
    assert body["checks"]["worker"]["last_run_seconds_ago"] >= 200
    _heartbeat(seconds_ago=5)
    assert _ready()[0] == 200


def test_an_outbox_the_relay_left_behind_is_not_ready(settings: Settings) -> None:
    _heartbeat()
    old = timezone.now() - timedelta(minutes=10)
    OutboxEvent.objects.create(kind="case.submitted", subject_type="case", subject_id="BKS-1", created_at=old)
    status, body = _ready()
    assert status == 503 and body["checks"]["outbox"]["state"] == "failing"
    assert body["checks"]["outbox"]["lag_seconds"] >= 600
    relay_outbox()
    status, body = _ready()
    assert status == 200 and body["checks"]["outbox"]["lag_seconds"] == 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_redis_down_is_not_ready_and_its_url_is_not_shown(settings: Settings) -> None:
    _heartbeat()
    settings.PATRIOT_REDIS_URL = f"redis://:hunter2-secret@127.0.0.1:{_free_port()}/3"
    response = Client().get("/readyz")
    body = json.loads(response.content)
    assert response.status_code == 503 and body["checks"]["redis"]["state"] == "failing"
    assert body["checks"]["redis"]["error"] == "ConnectionError"
    text = response.content.decode()
    assert "hunter2" not in text and "127.0.0.1" not in text and "redis://" not in text


def test_redis_up_is_ready(settings: Settings, redis_url: str) -> None:
    _heartbeat()
    settings.PATRIOT_REDIS_URL = redis_url
    status, body = _ready()
    assert status == 200 and body["checks"]["redis"]["state"] == "ok"


def test_readiness_never_shows_settings_secrets(settings: Settings) -> None:
    settings.SECRET_KEY = "sekret-key-that-must-not-show-" + "x" * 20
    settings.PATRIOT_METRICS_TOKEN = "metrics-token-must-not-show"
    text = Client().get("/readyz").content.decode()
    for secret in (settings.SECRET_KEY, "metrics-token-must-not-show", str(settings.DATABASES["default"]["NAME"])):
        assert secret not in text


def test_an_unapplied_migration_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    from patriot.core import health

    _heartbeat()
    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("core", "0002_future", False)]
    )
    status, body = _ready()
    assert status == 503 and body["checks"]["database"] == {
        "state": "failing",
        "unapplied_migrations": 1,
        "ms": body["checks"]["database"]["ms"],
    }
