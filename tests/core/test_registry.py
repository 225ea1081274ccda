"""core.registry: what an app registers is what the worker runs; the core imports no feature app."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from patriot.core import registry, worker
from patriot.core.models import JobRun

FEATURE_APPS = ("cases", "citizens", "callcentre", "open311", "opscentre")


@pytest.fixture
def throwaway_app() -> Iterator[list[str]]:
    """What a new app would register in its ready(); removed again afterwards."""
    ran: list[str] = []
    job = registry.PeriodicJob("throwaway-job", lambda: ran.append("job"), 7)
    rule = registry.RetentionRule("throwaway rows", "THROWAWAY_RETENTION_DAYS", lambda cutoff: ran.append("rule") or 3)
    registry.register_job(job)
    registry.register_retention(rule)
    yield ran
    registry._jobs.pop(job.name)
    registry._retention_rules.remove(rule)


def test_the_registered_jobs_run_in_app_order_then_retention() -> None:
    names = [job.name for job in worker.jobs()]
    assert names == [
        "sla-sweep",
        "held-photos-purge",
        "trigram-merge",
        "citizen-notifications",
        "larvae-thresholds",
        "referral-escalation",
        "retention",
    ]
    assert [rule.what for rule in registry.retention_rules()] == [
        "reporter contact details of finished cases",
        "reporter-data access audit rows",
        "citizens' notifications",
        "personal data access log",
        "finished referrals (medical records)",
        "finished PSC 119 incidents with the crews' patient reports (medical records)",
        "crews' status-tap receipts",
        "ambulances' last shared positions",
    ]


@pytest.mark.django_db(transaction=True)
@override_settings(THROWAWAY_RETENTION_DAYS=30)
def test_a_new_apps_job_and_retention_rule_run_without_touching_the_core(
    throwaway_app: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    job = {job.name: job for job in worker.jobs()}["throwaway-job"]
    assert job.interval == 7
    worker._run(job)
    assert JobRun.objects.get(job="throwaway-job").runs == 1
    caplog.set_level(logging.INFO, logger="patriot.worker")
    worker.apply_retention()
    assert throwaway_app == ["job", "rule"]
    assert "Retention: throwaway rows older than 30 days: 3 removed" in caplog.messages


@pytest.mark.parametrize("module", ["registry.py", "worker.py", "views.py"])
def test_the_core_imports_no_feature_app(module: str) -> None:
    for path in [Path(registry.__file__).parent / module]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                modules = [node.module]
            elif isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            else:
                continue
            for module in modules:
                assert not module.startswith(tuple(f"patriot.{app}" for app in FEATURE_APPS)), (path, module)


def test_a_rule_is_registered_once() -> None:
    before = registry.retention_rules()
    registry.register_retention(before[0])
    assert registry.retention_rules() == before
