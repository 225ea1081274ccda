"""Issue 14 item 15: seeding the demo history notifies nobody — no email or SMS task is queued, and nothing is
sent, during the seed or when the relay later reads the history's events."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from patriot.citizens import notify
from patriot.citizens.models import Delivery, Notification
from patriot.core import quiet
from patriot.events.models import OutboxEvent
from tests.stub_servers import SmsGatewayStub, serving

pytestmark = pytest.mark.django_db


def test_seed_demo_queues_and_sends_no_email_or_sms(settings: Any) -> None:
    settings.PATRIOT_DEMO = True
    with serving(SmsGatewayStub()) as gateway:
        settings.PATRIOT_SMS_GATEWAY, settings.PATRIOT_SMS_GATEWAY_URL = "http", gateway.url
        settings.PATRIOT_SMS_GATEWAY_TOKEN = "tok"
        call_command("seed", "--demo", verbosity=0)
        assert OutboxEvent.objects.filter(subject_type="case").exists()  # there is history to tell about
        # The relay reads the history later (all of it long settled): in-app notifications, no email or SMS.
        notify.relay_outbox(now=timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1))
        assert Notification.objects.exists()
        assert not Delivery.objects.exists()
        assert mail.outbox == []
        assert gateway.accepted == []


def test_quiet_marks_only_the_events_recorded_inside() -> None:
    assert not quiet.active()
    with quiet.nobody_notified():
        assert quiet.active()
    assert not quiet.active()
