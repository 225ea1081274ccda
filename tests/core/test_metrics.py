"""/metrics: only for allowed addresses or the token; the figures an operator needs; several processes add up."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.parser import text_string_to_metric_families
from pytest_django import Settings

from patriot.cases.choices import SlaStatusChoices
from patriot.cases.models import Case
from patriot.core import metrics, worker
from tests.factories import load_areas, make_agency, make_case

pytestmark = pytest.mark.django_db


def _scrape(**extra: str) -> dict[str, float]:
    response = Client().get("/metrics", **extra)
    assert response.status_code == 200, response.content
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


def test_metrics_are_refused_to_other_addresses_and_without_the_token(settings: Settings) -> None:
    settings.PATRIOT_METRICS_TOKEN = "scrape-token-0123456789"
    assert Client().get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    wrong = Client().get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 403 and b"patriot_" not in wrong.content
    token = Client().get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789")
    assert token.status_code == 200 and b"patriot_http_requests_total" in token.content
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200


def test_without_a_token_only_the_allowed_addresses_scrape(settings: Settings) -> None:
    settings.PATRIOT_METRICS_TOKEN = ""
    settings.PATRIOT_METRICS_ALLOWED_ADDRESSES = ["10.20.0.0/16"]
    assert Client().get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert Client().get("/metrics", REMOTE_ADDR="10.21.0.1", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(settings: Settings) -> None:
    settings.PATRIOT_METRICS_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.PATRIOT_TRUSTED_PROXIES = ["10.0.0.1"]
    # Through the proxy, the outside client is the one that counts, not the proxy's own address.
    outside = Client().get("/metrics", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert outside.status_code == 403
    spoofed = Client().get("/metrics", REMOTE_ADDR="198.51.100.4", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert spoofed.status_code == 403


def test_the_figures_after_a_report(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MEDIA_ROOT = tmp_path
    # The worker closes its connection around each job; inside the test's transaction that would end the test's.
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    # pytest-django swaps in its memory backend; production's counting backend hands on to it here.
    settings.EMAIL_BACKEND = "patriot.core.mail.CountingEmailBackend"
    settings.PATRIOT_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    load_areas()
    before = _scrape()
    agency = make_agency("dbmsda")
    case = make_case()
    overdue = make_case()
    Case.objects.filter(pk=overdue.pk).update(agency=agency, state="dispatched", sla_status=SlaStatusChoices.OVERDUE)
    worker.run_jobs_once()
    mail.send_mail("Uji", "isi", None, ["petugas@example.org"])
    assert len(mail.outbox) == 1
    Client().get(f"/lacak/{case.tracking_number}/")

    after = _scrape()
    channel = case.channel
    key = f"patriot_reports_received_total{{channel={channel}}}"
    assert after[key] - before.get(key, 0) == 2
    assert after["patriot_cases_open{agency=dbmsda}"] == 1 and after["patriot_cases_overdue{agency=dbmsda}"] == 1
    assert after["patriot_cases_open{agency=-}"] == 1 and after["patriot_cases_overdue{agency=-}"] == 0
    assert after["patriot_database_up{}"] == 1 and "patriot_outbox_lag_seconds{}" in after
    assert after["patriot_worker_heartbeat_age_seconds{}"] < 60
    assert after["patriot_job_runs_total{job=sla-sweep,outcome=ok}"] >= 1
    assert "patriot_job_duration_seconds_count{job=citizen-notifications}" in after
    assert after["patriot_emails_total{outcome=sent}"] - before.get("patriot_emails_total{outcome=sent}", 0) == 1
    route = "patriot_http_requests_total{method=GET,route=/lacak/<str:number>/,status=200}"
    assert after[route] >= 1
    assert "patriot_http_request_duration_seconds_bucket{le=0.1,method=GET,route=/lacak/<str:number>/}" in after
    assert case.tracking_number not in "".join(after)


def test_sms_sends_and_failures_are_counted(settings: Settings) -> None:
    from patriot.citizens import sms

    settings.PATRIOT_SMS_GATEWAY = "log"
    sent = metrics.SMS.labels("log", "sent")._value.get()
    sms.send("+6281200000000", "uji")
    assert metrics.SMS.labels("log", "sent")._value.get() == sent + 1
    settings.PATRIOT_SMS_GATEWAY = "http"
    settings.PATRIOT_SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing"
    failed = metrics.SMS.labels("http", "failed")._value.get()
    with pytest.raises(sms.SmsError):
        sms.send("+6281200000000", "uji")
    assert metrics.SMS.labels("http", "failed")._value.get() == failed + 1


def test_open_event_streams_are_counted_while_open() -> None:
    gauge = metrics.EVENT_STREAMS.labels("public")
    start = gauge._value.get()

    async def chunks() -> AsyncIterator[bytes]:
        while True:
            yield b"data\n\n"

    async def scenario() -> None:
        stream = metrics.counted_stream(chunks(), "public")
        assert await anext(stream) == b"data\n\n"
        assert gauge._value.get() == start + 1
        await stream.aclose()  # type: ignore[attr-defined]
        assert gauge._value.get() == start

    asyncio.run(scenario())


_CHILD = """
import django
django.setup()
from patriot.core import metrics
for _ in range({count}):
    metrics.observe_request("/lacak/<str:number>/", "GET", 200, 0.02)
metrics.REPORTS.labels("pot").inc({count})
"""


def _child(env: dict[str, str], count: int) -> None:
    """A separate Python process that answers `count` requests and files `count` reports, as far as metrics go."""
    subprocess.run([sys.executable, "-c", _CHILD.format(count=count)], env=env, check=True, timeout=120)  # noqa: S603


def test_counters_of_several_processes_add_up(tmp_path: Path) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "patriot.settings"}
    for count in (3, 4):
        _child(env, count)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(directory))
    labels = {"route": "/lacak/<str:number>/", "method": "GET", "status": "200"}
    assert registry.get_sample_value("patriot_http_requests_total", labels) == 7
    assert registry.get_sample_value("patriot_reports_received_total", {"channel": "pot"}) == 7
    histogram = {"route": "/lacak/<str:number>/", "method": "GET"}
    assert registry.get_sample_value("patriot_http_request_duration_seconds_count", histogram) == 7


def test_the_endpoint_reads_every_process_in_multiprocess_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "patriot.settings"}
    _child(env, 5)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    samples = _scrape()
    assert samples["patriot_reports_received_total{channel=pot}"] == 5
    assert samples["patriot_database_up{}"] == 1
