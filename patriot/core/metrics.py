"""Prometheus metrics: what the code counts as it runs, what is read from the database when scraped, who may scrape.

With PROMETHEUS_MULTIPROC_DIR set (before the process starts), every uvicorn worker and `patriot worker` writes its
counters to files there and /metrics adds them up; the directory must be emptied when the service starts.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from patriot.core import registry
from patriot.core.ratelimit import client_address

REQUESTS = Counter(
    "patriot_http_requests", "HTTP requests answered, by URL pattern, method and status.", ["route", "method", "status"]
)
REQUEST_SECONDS = Histogram(
    "patriot_http_request_duration_seconds",
    "Time to answer (for a stream: to start it), by URL pattern and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REPORTS = Counter("patriot_reports_received", "New cases accepted, by channel.", ["channel"])
EVENT_STREAMS = Gauge(
    "patriot_event_streams", "Open live-event (SSE) connections.", ["stream"], multiprocess_mode="livesum"
)
JOB_RUNS = Counter("patriot_job_runs", "Background job runs, by job and outcome (ok, failed).", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "patriot_job_duration_seconds",
    "Background job run time.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120),
)
TASK_ATTEMPTS = Counter(
    "patriot_task_attempts",
    "Attempts of one-off tasks marked @retried, by task and outcome (ok, retry, gave_up).",
    ["task", "outcome"],
)
EMAILS = Counter("patriot_emails", "Emails handed to the mail server, by outcome (sent, failed).", ["outcome"])
SMS = Counter(
    "patriot_sms", "SMS handed to the gateway, by gateway and outcome (sent, failed).", ["gateway", "outcome"]
)
DB_POOL = Gauge(
    "patriot_db_pool_connections",
    "PostgreSQL pool connections by state (open, idle, in_use, max).",
    ["state"],
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "patriot_db_pool_waiting", "Requests waiting for a pooled connection.", multiprocess_mode="livesum"
)

# The pool's figures are sampled at most this often per process, after a request.
POOL_SAMPLE_SECONDS = 1.0
_pool_sampled_at = 0.0
_pool_lock = threading.Lock()


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class DatabaseCollector(Collector):
    """Figures read at scrape time: the age of the worker's heartbeat, and the gauges the apps registered
    (core.registry.register_gauges: open and overdue cases per agency, the notification relay's lag, …)."""

    @staticmethod
    def _families() -> dict[str, GaugeMetricFamily]:
        families = {
            "patriot_database_up": GaugeMetricFamily(
                "patriot_database_up", "Whether the scrape could read the database."
            ),
        }
        for gauges in registry.gauges():
            for family in gauges.families:
                families[family.name] = GaugeMetricFamily(family.name, family.help, labels=list(family.labels))
        families["patriot_worker_heartbeat_age_seconds"] = GaugeMetricFamily(
            "patriot_worker_heartbeat_age_seconds", "Seconds since a background job last finished in any worker."
        )
        return families

    def describe(self) -> Iterator[Metric]:
        # Without this the registry would call collect(), reading the database, when the module is imported.
        yield from self._families().values()

    def collect(self) -> Iterator[Metric]:
        from patriot.core.health import worker_heartbeat_age

        families = self._families()
        try:
            for gauges in registry.gauges():
                for name, samples in gauges.read().items():
                    for labels, value in samples:
                        families[name].add_metric(list(labels), value)
            age = worker_heartbeat_age()
            if age is not None:
                families["patriot_worker_heartbeat_age_seconds"].add_metric([], age)
        except DatabaseError:
            connection.close_if_unusable_or_obsolete()
            families["patriot_database_up"].add_metric([], 0)
            yield families["patriot_database_up"]
            return
        families["patriot_database_up"].add_metric([], 1)
        yield from families.values()


_database_collector = DatabaseCollector()
REGISTRY.register(_database_collector)


def exposition() -> bytes:
    """The text format answer of /metrics: this process's metrics, or every process's in multiprocess mode."""
    if not multiprocess_dir():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_database_collector)
    return generate_latest(registry)


def may_scrape(request: HttpRequest) -> bool:
    """From an address in PATRIOT_METRICS_ALLOWED_ADDRESSES, or with `Authorization: Bearer PATRIOT_METRICS_TOKEN`."""
    token = settings.PATRIOT_METRICS_TOKEN
    offered = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(allowed, strict=False) for allowed in settings.PATRIOT_METRICS_ALLOWED_ADDRESSES
    )


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    REQUESTS.labels(route, method, str(status)).inc()
    REQUEST_SECONDS.labels(route, method).observe(seconds)
    _sample_pool()


def _sample_pool() -> None:
    """Copy the PostgreSQL pool's figures into gauges (each process its own; they add up in multiprocess mode)."""
    global _pool_sampled_at
    if connection.vendor != "postgresql" or time.monotonic() - _pool_sampled_at < POOL_SAMPLE_SECONDS:
        return
    with _pool_lock:
        _pool_sampled_at = time.monotonic()
    # Only a pool that exists: `connection.pool` would open one, with whatever database name the settings hold at
    # that moment (before a test database is set up, the real one, and the pool would keep it).
    pool = getattr(connection, "_connection_pools", {}).get(connection.alias)
    if pool is None:
        return
    stats = pool.get_stats()
    size, idle = stats.get("pool_size", 0), stats.get("pool_available", 0)
    DB_POOL.labels("open").set(size)
    DB_POOL.labels("idle").set(idle)
    DB_POOL.labels("in_use").set(size - idle)
    DB_POOL.labels("max").set(stats.get("pool_max", 0))
    DB_POOL_WAITING.set(stats.get("requests_waiting", 0))


async def counted_stream(chunks: AsyncIterator[bytes], stream: str) -> AsyncIterator[bytes]:
    """Pass a live-event stream through, counting it in patriot_event_streams while it is open."""
    gauge = EVENT_STREAMS.labels(stream)
    gauge.inc()
    try:
        async with contextlib.aclosing(chunks):  # type: ignore[type-var]  # typeshed's aclosing wants an object with aclose(): the stream is an async generator
            async for chunk in chunks:
                yield chunk
    finally:
        gauge.dec()
