"""The notification relay (outbox → notifications, exactly once) and email/SMS delivery with retries.

The tests run queued tasks at once (tests/conftest.py); tests/citizens/test_notify_queue.py goes through the real
queue with a local SMTP server and SMS gateway."""

from __future__ import annotations

import smtplib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone, translation

from patriot.accounts.models import User
from patriot.cases import services as case_services
from patriot.cases.choices import CaseStateChoices, ChannelChoices, TimelineKindChoices
from patriot.citizens import notify
from patriot.citizens.choices import DeliveryChannelChoices, DeliveryStatusChoices
from patriot.citizens.models import Delivery, Notification, RelayCursor
from patriot.events.models import OutboxEvent
from tests.citizens.test_sms import FakeGateway, sms_server  # noqa: F401
from tests.factories import case_through, make_case

pytestmark = pytest.mark.django_db


def _later() -> Any:
    """A moment after every event so far has settled."""
    return timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1)


def _sorot_case(user: User, **fields: Any) -> Any:
    return make_case(channel=ChannelChoices.SOROT, reporter=user, reporter_email=user.email, **fields)


def test_every_state_change_notifies_once_even_when_the_relay_runs_twice(areas: None, citizen: User) -> None:
    case = _sorot_case(citizen)
    case_through(CaseStateChoices.IN_PROGRESS, case=case)
    first = notify.relay_outbox(now=_later())
    second = notify.relay_outbox(now=_later())
    kinds = list(Notification.objects.filter(user=citizen).order_by("event_id").values_list("entry__kind", flat=True))
    assert kinds == [
        TimelineKindChoices.SUBMITTED,
        TimelineKindChoices.VERIFIED,
        TimelineKindChoices.DISPATCHED,
        TimelineKindChoices.ASSIGNED,
        TimelineKindChoices.STARTED,
    ]
    assert (first, second) == (5, 0)
    assert RelayCursor.objects.get(name=notify.RELAY_NAME).last_event_id == OutboxEvent.objects.latest("pk").pk


def test_recent_events_are_reread_until_settled_but_never_notified_twice(areas: None, citizen: User) -> None:
    case = _sorot_case(citizen)
    assert notify.relay_outbox() == 1  # seen now, but the cursor stays before it until it has settled
    assert RelayCursor.objects.get(name=notify.RELAY_NAME).last_event_id == 0
    case_services.verify_case(case, by=_poc())
    assert notify.relay_outbox() == 1
    assert notify.relay_outbox(now=_later()) == 0
    assert Notification.objects.count() == 2
    assert RelayCursor.objects.get(name=notify.RELAY_NAME).last_event_id == OutboxEvent.objects.latest("pk").pk


def _poc() -> User:
    from patriot.accounts.choices import RoleChoices
    from tests.factories import staff

    return staff(RoleChoices.POC_OPERATOR)


def test_internal_events_and_other_peoples_cases_do_not_notify(areas: None, citizen: User) -> None:
    anonymous_public = make_case()  # POT without an account
    case = _sorot_case(citizen)
    case_services.comment_case(case, by=_poc(), note="Catatan internal petugas")
    notify.relay_outbox(now=_later())
    assert list(Notification.objects.values_list("case_id", "entry__kind")) == [
        (case.pk, TimelineKindChoices.SUBMITTED)
    ]
    assert not Notification.objects.filter(case=anonymous_public).exists()


def test_email_goes_out_for_a_verified_address_in_the_citizens_language(areas: None, citizen: User) -> None:
    citizen.citizen_profile.language = "en"
    citizen.citizen_profile.save()
    case = _sorot_case(citizen, is_anonymous=True)
    case_services.verify_case(case, by=_poc())
    case_services.reject_case(make_case(), by=_poc(), reason="spam")
    notify.relay_outbox(now=_later())
    assert len(mail.outbox) == 2  # each delivery's task ran where the relay queued it
    message = mail.outbox[-1]
    assert message.to == [citizen.email]
    assert case.tracking_number in message.subject
    with translation.override("en"):
        assert str(TimelineKindChoices.label(TimelineKindChoices.VERIFIED)) == "Verified"
    assert "Verified" in message.subject
    assert f"https://patriot.example/akun/laporan/{case.tracking_number}/" in message.body
    # No staff name reaches the citizen: the POC operator's account name is not in the message.
    assert "poc_operator" not in message.body
    assert Delivery.objects.filter(status=DeliveryStatusChoices.SENT).count() == 2
    for delivery in Delivery.objects.all():  # a task run again (a second worker, a retry) sends nothing twice
        notify.send_delivery.enqueue(delivery.pk)
    assert len(mail.outbox) == 2


def test_the_email_heads_an_untitled_report_by_its_category_in_the_citizens_language(
    areas: None, citizen: User
) -> None:
    """An untitled report's stored title is its category's Indonesian name: the update email heads it as the pages do
    (Case.headline), so a citizen who reads English gets the category in English; a written title stays as written."""
    citizen.citizen_profile.language = "en"
    citizen.citizen_profile.save()
    untitled = _sorot_case(citizen)
    titled = _sorot_case(citizen, title="Lubang depan SDN 3")
    assert untitled.title == untitled.category.name
    notify.relay_outbox(now=_later())
    [to_untitled] = [m for m in mail.outbox if untitled.tracking_number in m.subject]
    [to_titled] = [m for m in mail.outbox if titled.tracking_number in m.subject]
    assert untitled.category.name_en in to_untitled.body
    assert untitled.category.name not in to_untitled.body
    assert "Lubang depan SDN 3" in to_titled.body
    # The same notification rendered for an Indonesian reader names the category in Indonesian.
    with translation.override("id"):
        _subject, body = notify.render_email(Notification.objects.get(case=untitled))
    assert untitled.category.name in body


def test_unverified_addresses_get_no_email_but_the_app_notification(areas: None, unverified_citizen: User) -> None:
    make_case(reporter=unverified_citizen)
    notify.relay_outbox(now=_later())
    assert Notification.objects.filter(user=unverified_citizen).count() == 1
    assert not Delivery.objects.exists()


def test_after_the_last_attempt_a_delivery_is_marked_failed(
    areas: None, citizen: User, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.PATRIOT_TASK_MAX_ATTEMPTS = 3
    sends: list[int] = []

    def broken_send(self: Any, fail_silently: bool = False) -> int:
        sends.append(1)
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken_send)
    _sorot_case(citizen)
    notify.relay_outbox(now=_later())  # the immediate backend runs the retries at once
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatusChoices.FAILED
    assert delivery.attempts == len(sends) == 3
    assert "connection lost" in delivery.last_error


def test_sms_goes_through_the_http_gateway_when_configured(
    areas: None,
    citizen: User,
    settings: Any,
    sms_server: FakeGateway,  # noqa: F811
) -> None:
    settings.PATRIOT_SMS_GATEWAY = "http"
    settings.PATRIOT_SMS_GATEWAY_URL = f"{sms_server.url}/sms"
    settings.PATRIOT_SMS_GATEWAY_TOKEN = "tok"
    case = _sorot_case(citizen)
    notify.relay_outbox(now=_later())
    assert set(Delivery.objects.values_list("channel", flat=True)) == {
        DeliveryChannelChoices.EMAIL,
        DeliveryChannelChoices.SMS,
    }
    assert Delivery.objects.filter(status=DeliveryStatusChoices.SENT).count() == 2 and len(mail.outbox) == 1
    [request] = sms_server.received
    assert request["json"]["to"] == citizen.phone
    assert case.tracking_number in request["json"]["message"]
    assert request["authorization"] == "Bearer tok"


def test_sms_preference_off_and_logging_gateway_mean_no_sms(areas: None, citizen: User) -> None:
    _sorot_case(citizen)
    notify.relay_outbox(now=_later())
    assert list(Delivery.objects.values_list("channel", flat=True)) == [DeliveryChannelChoices.EMAIL]


def test_worker_has_a_frequent_notification_job(areas: None, citizen: User) -> None:
    from patriot.citizens.jobs import NOTIFY_INTERVAL_SECONDS
    from patriot.core import clock, worker

    jobs = {job.name: job for job in worker.jobs()}
    assert jobs["citizen-notifications"].interval == NOTIFY_INTERVAL_SECONDS < jobs["sla-sweep"].interval
    with clock.pinned(timezone.now() - timedelta(seconds=notify.SETTLE_SECONDS + 5)):
        _sorot_case(citizen)
    jobs["citizen-notifications"].run()
    assert Notification.objects.filter(user=citizen).count() == 1
    assert len(mail.outbox) == 1
