"""A report's notifications through the real task queue (django-tasks-db), a local SMTP server and a local SMS
gateway: queued with the notification, exactly one delivery per channel despite refusals, attempts recorded,
a gateway that never accepts given up after the last attempt, nothing queued by a rolled-back relay."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from patriot.accounts.models import User
from patriot.cases.choices import ChannelChoices
from patriot.citizens import notify
from patriot.citizens.choices import DeliveryChannelChoices, DeliveryStatusChoices
from patriot.citizens.models import Delivery, Notification
from patriot.core import tasks_runner
from tests.citizens.conftest import make_citizen
from tests.core.test_tasks import DATABASE_QUEUE
from tests.factories import load_areas, make_case
from tests.stub_servers import SmsGatewayStub, SmtpStub, serving

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def outside(settings: Any) -> Iterator[tuple[SmtpStub, SmsGatewayStub]]:
    """The production queue, a mail server and an SMS gateway on this machine; retries due at once."""
    settings.TASKS = DATABASE_QUEUE
    settings.PATRIOT_TASK_RETRY_SECONDS = 0
    settings.PATRIOT_TASK_MAX_ATTEMPTS = 5
    with serving(SmtpStub()) as smtp, serving(SmsGatewayStub()) as gateway:
        settings.EMAIL_BACKEND = "patriot.core.mail.CountingEmailBackend"
        settings.PATRIOT_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", smtp.port, False
        settings.PATRIOT_SMS_GATEWAY, settings.PATRIOT_SMS_GATEWAY_URL = "http", gateway.url
        settings.PATRIOT_SMS_GATEWAY_TOKEN = "tok"
        yield smtp, gateway


@pytest.fixture
def reporter() -> User:
    load_areas()
    citizen = make_citizen()
    return citizen


def _relay() -> int:
    return notify.relay_outbox(now=timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1))


def _delivery(channel: str) -> Delivery:
    return Delivery.objects.get(channel=channel)


def test_a_report_notification_is_delivered_once_on_each_channel_after_gateway_refusals(
    outside: tuple[SmtpStub, SmsGatewayStub], reporter: User
) -> None:
    smtp, gateway = outside
    gateway.refusals.fail_first = 2
    case = make_case(channel=ChannelChoices.SOROT, reporter=reporter, reporter_email=reporter.email)
    assert _relay() == 1
    # The relay's transaction holds the deliveries and their queued tasks; nothing was sent yet.
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 2
    assert gateway.refusals.attempts == 0 and not smtp.messages
    assert tasks_runner.run_ready_tasks() == 4  # email once, SMS three times
    [sms] = gateway.accepted
    assert sms["to"] == reporter.phone and case.tracking_number in sms["message"]
    [email] = smtp.messages
    assert email["to"] == [reporter.email] and case.tracking_number in email["data"]
    sms_delivery = _delivery(DeliveryChannelChoices.SMS)
    assert (sms_delivery.status, sms_delivery.attempts) == (DeliveryStatusChoices.SENT, 3)
    assert sms_delivery.last_error == "" and sms_delivery.sent_at is not None
    email_delivery = _delivery(DeliveryChannelChoices.EMAIL)
    assert (email_delivery.status, email_delivery.attempts) == (DeliveryStatusChoices.SENT, 1)
    # Running the queue or the relay again sends nothing twice.
    assert _relay() == 0 and tasks_runner.run_ready_tasks() == 0
    notify.send_delivery.enqueue(sms_delivery.pk)
    assert tasks_runner.run_ready_tasks() == 1
    assert len(gateway.accepted) == 1 and gateway.refusals.attempts == 3 and len(smtp.messages) == 1


def test_a_gateway_that_never_accepts_is_given_up_after_the_last_attempt(
    outside: tuple[SmtpStub, SmsGatewayStub], reporter: User
) -> None:
    _smtp, gateway = outside
    gateway.refusals.always_fail = True
    make_case(channel=ChannelChoices.SOROT, reporter=reporter, reporter_email=reporter.email)
    _relay()
    tasks_runner.run_ready_tasks()
    delivery = _delivery(DeliveryChannelChoices.SMS)
    assert (delivery.status, delivery.attempts) == (DeliveryStatusChoices.FAILED, 5)
    assert delivery.last_error == "HTTP 503"
    assert gateway.refusals.attempts == 5 and not gateway.accepted
    assert not DBTaskResult.objects.ready().exists()
    assert _delivery(DeliveryChannelChoices.EMAIL).status == DeliveryStatusChoices.SENT


def test_a_relay_rolled_back_queues_nothing(outside: tuple[SmtpStub, SmsGatewayStub], reporter: User) -> None:
    smtp, gateway = outside
    make_case(channel=ChannelChoices.SOROT, reporter=reporter, reporter_email=reporter.email)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _relay() == 1
        assert DBTaskResult.objects.count() == 2
        raise RuntimeError("the worker died before commit")
    assert not Notification.objects.exists() and not DBTaskResult.objects.exists()
    assert tasks_runner.run_ready_tasks() == 0
    assert not smtp.messages and gateway.refusals.attempts == 0
    # The next round relays the same event again, this time for good.
    assert _relay() == 1 and tasks_runner.run_ready_tasks() == 2
    assert len(smtp.messages) == 1 and len(gateway.accepted) == 1


def test_the_upgrade_queues_deliveries_the_old_loop_left_pending(
    outside: tuple[SmtpStub, SmsGatewayStub], reporter: User, settings: Any
) -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    smtp, _gateway = outside
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # the old code queued none
    make_case(channel=ChannelChoices.SOROT, reporter=reporter, reporter_email=reporter.email)
    _relay()
    Delivery.objects.filter(channel=DeliveryChannelChoices.SMS).update(status=DeliveryStatusChoices.SENT)
    executor = MigrationExecutor(connection)
    executor.migrate([("citizens", "0001_initial")])
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("citizens", "0002_delivery_tasks")])
        settings.TASKS = DATABASE_QUEUE
        [queued] = DBTaskResult.objects.all()
        assert queued.args_kwargs == {"args": [_delivery(DeliveryChannelChoices.EMAIL).pk], "kwargs": {}}
        assert tasks_runner.run_ready_tasks() == 1 and len(smtp.messages) == 1
        assert _delivery(DeliveryChannelChoices.EMAIL).status == DeliveryStatusChoices.SENT
    finally:
        # Back to the newest schema: later migrations (0003's contact messages) were unapplied on the way down.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
