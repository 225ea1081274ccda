"""The system admin sees every periodic job of `patriot worker`: interval, last run, duration and last error
(issue 10, item 1); nobody else may open the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices as Role
from patriot.core import queries, registry, worker
from patriot.core.models import JobRun
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = "/sistem/pekerjaan/"


def _as(role: str) -> Client:
    client = Client()
    client.force_login(make_user(role))
    return client


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/masuk/?next=")


@pytest.mark.parametrize("role", sorted(set(Role.values()) - {Role.SYSTEM_ADMIN}))
def test_every_other_role_is_refused(role: str) -> None:
    assert _as(role).get(URL).status_code == 403


def test_the_system_admin_sees_each_job_with_its_last_run_and_error() -> None:
    now = timezone.now()
    JobRun.objects.create(
        job="sla-sweep",
        worker="host-a:1",
        started_at=now - timedelta(minutes=5),
        finished_at=now - timedelta(minutes=5),
        duration_ms=12.5,
        runs=10,
        failures=1,
        last_failed_at=now - timedelta(hours=2),
        last_error="OperationalError",
    )
    JobRun.objects.create(
        job="sla-sweep",
        worker="host-b:2",
        started_at=now - timedelta(seconds=30),
        finished_at=now - timedelta(seconds=29),
        duration_ms=830.0,
        runs=4,
    )
    statuses = {status.name: status for status in queries.job_statuses()}
    # Every job the worker runs, registered or the core's own retention, even one that never ran.
    assert list(statuses) == [job.name for job in worker.jobs()]
    assert {job.name for job in registry.periodic_jobs()} | {"retention"} == set(statuses)
    sweep = statuses["sla-sweep"]
    assert sweep.interval_seconds == worker.SWEEP_INTERVAL_SECONDS
    assert sweep.last_run == now - timedelta(seconds=29) and sweep.duration_ms == 830.0
    assert (sweep.runs, sweep.failures, sweep.workers) == (14, 1, 2)
    assert sweep.last_error == "OperationalError" and sweep.last_failed_at == now - timedelta(hours=2)
    assert statuses["retention"].last_run is None

    page = _as(Role.SYSTEM_ADMIN).get(URL).content.decode()
    row = page.split('data-job="sla-sweep"', 1)[1].split("</tr>", 1)[0]
    assert ">60<" in row and ">830<" in row and ">14<" in row and "OperationalError" in row
    retention = page.split('data-job="retention"', 1)[1].split("</tr>", 1)[0]
    assert ">86400<" in retention and "belum pernah" in retention
    assert 'data-job="citizen-notifications"' in page


def test_the_page_speaks_english() -> None:
    client = _as(Role.SYSTEM_ADMIN)
    client.cookies["django_language"] = "en"
    page = client.get(URL).content.decode()
    assert "Background jobs" in page and "never" in page
