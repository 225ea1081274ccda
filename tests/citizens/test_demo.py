"""The demo citizen: verified, with a few SOROT reports, and the demo can be seeded twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Case
from patriot.citizens import notify
from patriot.citizens.demo import create_demo_citizens
from patriot.citizens.models import CitizenProfile, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings: object) -> None:
    settings.PATRIOT_DEMO = True  # type: ignore[attr-defined]
    call_command("seed", verbosity=0)
    from patriot.accounts.services import create_demo_users

    create_demo_users()


def test_demo_citizen_is_verified_with_sorot_reports(seeded: None) -> None:
    assert create_demo_citizens() == 3
    warga = User.objects.get(username="warga@demo.patriot.invalid")
    assert warga.phone == "+6281234500001" and warga.email
    assert CitizenProfile.objects.get(user=warga).is_verified
    cases = Case.objects.filter(reporter=warga)
    assert set(cases.values_list("channel", flat=True)) == {ChannelChoices.SOROT}
    assert set(cases.values_list("state", flat=True)) == {
        CaseStateChoices.SUBMITTED,
        CaseStateChoices.DISPATCHED,
        CaseStateChoices.IN_PROGRESS,
    }
    # Demo history lies in the past, so the relay handles it at once.
    assert notify.relay_outbox() == Notification.objects.filter(user=warga).count() >= 3
    # Seeding again (create_demo_users resets the phone) keeps one set of reports and a normalised number.
    from patriot.accounts.services import create_demo_users

    create_demo_users()
    assert create_demo_citizens() == 0
    assert Case.objects.filter(reporter=warga).count() == 3
    warga.refresh_from_db()
    assert warga.phone == "+6281234500001"
