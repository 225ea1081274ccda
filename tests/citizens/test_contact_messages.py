"""Hearing back without an account (issue 14, item 5): a reporter who left an email or phone number, a 1500444
caller, the reporters of a merged duplicate and supporters get the tracking number, the link and every public state
change; "kirim ulang tautan" resends the private link to the contact on record only. Seeding sends nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.cases import services as case_services
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.citizens import notify
from patriot.citizens.choices import DeliveryStatusChoices
from patriot.citizens.models import ContactMessage, Delivery, Notification
from tests.factories import case_through, make_case, staff
from tests.stub_servers import SmsGatewayStub, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_stub(settings: Settings) -> Iterator[SmsGatewayStub]:
    with serving(SmsGatewayStub()) as stub:
        settings.PATRIOT_SMS_GATEWAY = "http"
        settings.PATRIOT_SMS_GATEWAY_URL = stub.url
        settings.PATRIOT_SMS_GATEWAY_TOKEN = "tok"
        yield stub


def _texts(stub: SmsGatewayStub, to: str) -> list[str]:
    return [body["message"] for body in stub.accepted if body["to"] == to]


def test_a_reporter_without_an_account_hears_every_public_change_by_email_and_sms(
    areas: None, sms_stub: SmsGatewayStub
) -> None:
    case = make_case(reporter_email="warga@example.com", reporter_phone="081234567890")
    notify.relay_outbox()
    key = case_services.reporter_key_for(case)
    [confirmation] = mail.outbox
    assert case.tracking_number in confirmation.subject and f"?kunci={key}" in confirmation.body
    [sms] = _texts(sms_stub, "+6281234567890")
    assert case.tracking_number in sms and f"?kunci={key}" in sms

    case_through(CaseStateChoices.DISPATCHED, case=case)
    notify.relay_outbox()
    notify.relay_outbox()  # a second round sends nothing again
    assert len(mail.outbox) == 3 and len(_texts(sms_stub, "+6281234567890")) == 3
    assert "Status:" in mail.outbox[-1].body
    assert ContactMessage.objects.filter(status=DeliveryStatusChoices.SENT).count() == 6


def test_a_phone_caller_gets_the_number_and_link_by_sms(areas: None, sms_stub: SmsGatewayStub) -> None:
    case = make_case(channel=ChannelChoices.PHONE, reporter_phone="0812 1111 2222")
    notify.relay_outbox()
    [sms] = _texts(sms_stub, "+6281211112222")
    assert case.tracking_number in sms and "/lacak/" in sms and "kunci=" in sms


def test_internal_steps_and_other_people_are_never_told(areas: None, sms_stub: SmsGatewayStub) -> None:
    case = make_case(reporter_email="warga@example.com")
    case_services.comment_case(case, by=staff(RoleChoices.POC_OPERATOR), note="Catatan internal")
    notify.relay_outbox()
    assert len(mail.outbox) == 1  # the confirmation only, not the internal comment
    assert "Catatan internal" not in mail.outbox[0].body


def test_the_reporter_of_a_merged_duplicate_follows_the_original(areas: None) -> None:
    original = make_case(reporter_email="pertama@example.com")
    duplicate = make_case(reporter_email="kedua@example.com")
    case_services.merge_case(duplicate, into=original, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    mail.outbox.clear()
    case_services.verify_case(original, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    to_follower = [m for m in mail.outbox if m.to == ["kedua@example.com"]]
    assert len(to_follower) == 1
    body = to_follower[0].body
    assert original.tracking_number in body and duplicate.tracking_number in body
    assert "kunci=" not in body  # the original's reporter key is never given to someone else


def test_a_confidential_case_tells_only_its_own_reporter(areas: None) -> None:
    original = make_case(is_confidential=True, reporter_email="pelapor@example.com")
    duplicate = make_case(reporter_email="kedua@example.com")
    case_services.merge_case(duplicate, into=original, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    mail.outbox.clear()
    case_services.verify_case(original, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    assert [m.to for m in mail.outbox] == [["pelapor@example.com"]]


def test_supporters_hear_back_without_their_contact_going_public(areas: None, client: Client) -> None:
    case = make_case(reporter_email="pelapor@example.com")
    case_services.support_case(case, email="tetangga@example.com", consent=True)
    notify.relay_outbox()
    mail.outbox.clear()
    case_services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    assert sorted(m.to[0] for m in mail.outbox) == ["pelapor@example.com", "tetangga@example.com"]
    to_supporter = next(m for m in mail.outbox if m.to == ["tetangga@example.com"])
    assert "kunci=" not in to_supporter.body
    page = client.get(reverse("track_case", kwargs={"number": case.tracking_number})).content.decode()
    assert "tetangga@example.com" not in page and "1 warga lain ikut melaporkan" in page


def test_a_registered_supporter_gets_a_notification_in_their_account(areas: None, citizen: Any) -> None:
    case = make_case()
    case_services.support_case(case, user=citizen)
    case_services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    assert Notification.objects.filter(user=citizen, case=case).count() == 1


def test_resend_sends_the_private_link_only_to_the_contact_on_record(areas: None, client: Client) -> None:
    case = make_case(reporter_email="warga@example.com")
    url = reverse("citizens:resend-link")
    assert client.get(url).status_code == 200
    response = client.post(url, {"number": case.tracking_number.lower(), "email": "penyerang@example.com"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["warga@example.com"] and f"kunci={case_services.reporter_key_for(case)}" in message.body
    # An unknown number answers the same, and sends nothing.
    assert client.post(url, {"number": "BKS-0000-000000"}).status_code == 302
    assert len(mail.outbox) == 1


def test_resending_is_limited_per_case(areas: None, client: Client) -> None:
    case = make_case(reporter_email="warga@example.com")
    for _ in range(5):
        client.post(reverse("citizens:resend-link"), {"number": case.tracking_number})
    assert len(mail.outbox) == 3


def test_seeding_the_demo_sends_no_notifications(settings: Settings, sms_stub: SmsGatewayStub) -> None:
    from django.core.management import call_command

    settings.PATRIOT_DEMO = True
    call_command("seed", "--demo", verbosity=0)
    # The demo history is marked quiet (core/quiet.py): read once settled, it writes to no contact and sends nothing.
    notify.relay_outbox(now=timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1))
    assert mail.outbox == [] and sms_stub.accepted == []
    assert not ContactMessage.objects.exists() and not Delivery.objects.exists()


def test_retention_deletes_messages_to_contacts(areas: None) -> None:
    from patriot.citizens.services import purge_notifications

    make_case(reporter_email="warga@example.com")
    notify.relay_outbox()
    assert ContactMessage.objects.count() == 1
    assert purge_notifications(timezone.now() - timedelta(days=1)) == 0
    assert purge_notifications(timezone.now() + timedelta(seconds=1)) == 1
    assert not ContactMessage.objects.exists()


def test_a_supporter_s_notification_opens_the_public_page_and_nobody_else_s(areas: None) -> None:
    """A supporter with an account hears of a case that is not theirs: the link opens its public page; a citizen
    who was never told of it gets 404, as for any case not theirs."""
    from tests.citizens.conftest import make_citizen

    case = make_case()
    supporter = make_citizen("pendukung@example.org", phone="+6281200001111")
    case_services.support_case(case, user=supporter)
    case_through(CaseStateChoices.VERIFIED, case=case)
    notify.relay_outbox(now=timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1))
    assert Notification.objects.filter(user=supporter, case=case).exists()
    client = Client()
    client.force_login(supporter)
    opened = client.get(reverse("citizens:case", kwargs={"number": case.tracking_number}))
    assert opened.status_code == 302 and opened["Location"] == reverse("track_case", args=[case.tracking_number])
    stranger = Client()
    stranger.force_login(make_citizen("orang-lain@example.org", phone="+6281200002222"))
    assert stranger.get(reverse("citizens:case", kwargs={"number": case.tracking_number})).status_code == 404
