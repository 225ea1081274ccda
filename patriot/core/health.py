"""Readiness: the database answers and is migrated, Redis answers (when configured), a worker ran lately, and the
checks the apps registered hold (core.registry.register_readiness_check: the outbox is not falling behind). Each
check says only its state and a figure: never an address, URL or error text."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max
from django.utils import timezone

from patriot.core import registry
from patriot.core.models import JobRun

OK = "ok"
FAILING = "failing"
OFF = "off"


@dataclass
class Check:
    state: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, **self.details}


_migrated = False
_redis_clients: dict[str, Any] = {}
_redis_lock = threading.Lock()


def database() -> Check:
    """A round trip, and no unapplied migration (checked until it once holds: migrations are not undone live)."""
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrated:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if pending:
            return Check(FAILING, {"unapplied_migrations": len(pending)})
        _migrated = True
    return Check(OK)


def redis() -> Check:
    url = settings.PATRIOT_REDIS_URL
    if not url:
        return Check(OFF)
    import redis as redis_client

    with _redis_lock:
        client = _redis_clients.get(url)
        if client is None:
            client = redis_client.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
            _redis_clients[url] = client
    client.ping()
    return Check(OK)


def worker_heartbeat_age() -> float | None:
    """Seconds since any background job last finished in any worker; None when none ever ran."""
    newest = JobRun.objects.aggregate(newest=Max("finished_at"))["newest"]
    return None if newest is None else max(0.0, (timezone.now() - newest).total_seconds())


def worker() -> Check:
    age = worker_heartbeat_age()
    if age is None:
        return Check(FAILING, {"last_run_seconds_ago": None})
    state = OK if age <= settings.PATRIOT_READY_WORKER_SECONDS else FAILING
    return Check(state, {"last_run_seconds_ago": round(age, 1)})


CHECKS: dict[str, Callable[[], Check]] = {"database": database, "redis": redis, "worker": worker}


def _registered(check: registry.ReadinessCheck) -> Callable[[], Check]:
    def run() -> Check:
        state, details = check()
        return Check(state, details)

    return run


def checks() -> dict[str, Callable[[], Check]]:
    """The core's checks, then those the apps registered."""
    return CHECKS | {name: _registered(check) for name, check in registry.readiness_checks().items()}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; ready when none fails. A check that raises is failing, named by the exception's type."""
    results: dict[str, Any] = {}
    for name, check in checks().items():
        started = time.perf_counter()
        try:
            result = check()
        except Exception as error:
            result = Check(FAILING, {"error": type(error).__name__})
            if isinstance(error, DatabaseError):
                connections[DEFAULT_DB_ALIAS].close_if_unusable_or_obsolete()
        results[name] = result.as_json() | {"ms": round((time.perf_counter() - started) * 1000, 1)}
    ready = all(result["state"] != FAILING for result in results.values())
    return ready, {"status": "ready" if ready else "not ready", "checks": results}
