"""Demo history is written through the services, so it obeys every rule real cases do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from patriot.cases.choices import CaseStateChoices
from patriot.cases.demo import create_demo_cases
from patriot.cases.models import Case, TimelineEntry
from patriot.core import clock
from patriot.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: object) -> None:
    settings.PATRIOT_DEMO = True  # type: ignore[attr-defined]
    call_command("seed", verbosity=0)
    from patriot.accounts.services import create_demo_users

    create_demo_users()


def test_demo_cases_cover_the_workflow_and_keep_the_invariants(seeded: None) -> None:
    made = create_demo_cases(60)
    assert made >= 55
    states = set(Case.objects.values_list("state", flat=True))
    assert {CaseStateChoices.SUBMITTED, CaseStateChoices.DISPATCHED, CaseStateChoices.CLOSED} <= states
    assert OutboxEvent.objects.count() == TimelineEntry.objects.count()
    now = clock.now()
    assert not Case.objects.filter(created_at__gt=now).exists()
    assert not TimelineEntry.objects.filter(created_at__gt=now).exists()
    for case in Case.objects.filter(state=CaseStateChoices.CLOSED):
        kinds = list(case.timeline.values_list("kind", flat=True))
        assert kinds[0] == "submitted" and "resolved" in kinds


def test_seed_demo_adds_history_only_once(settings: object) -> None:
    settings.PATRIOT_DEMO = True  # type: ignore[attr-defined]
    call_command("seed", demo=True, verbosity=0)
    first = Case.objects.count()
    call_command("seed", demo=True, verbosity=0)
    assert first > 100
    assert Case.objects.count() == first


def test_pinned_clock_is_restored() -> None:
    before = clock.now()

    with clock.pinned(before - timedelta(days=3)):
        assert clock.now() < before
    assert clock.now() >= before
