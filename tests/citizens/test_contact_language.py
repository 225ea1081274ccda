"""Messages to a reporter or supporter without an account are written in the language they used (issue 14, item 14):
the web form's language switch, the API's Accept-Language; a 1500444 caller gets the city's default. The language is
recorded on the case at intake, so the confirmation, every state change and a resent link all follow it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.cases import services as case_services
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Case, Supporter
from patriot.citizens import notify
from patriot.citizens.models import ContactMessage
from tests.factories import MARGAHAYU, case_through, make_case, make_category, staff
from tests.stub_servers import SmsGatewayStub, serving

pytestmark = pytest.mark.django_db


@pytest.fixture
def sms_stub(settings: Settings) -> Iterator[SmsGatewayStub]:
    with serving(SmsGatewayStub()) as stub:
        settings.PATRIOT_SMS_GATEWAY = "http"
        settings.PATRIOT_SMS_GATEWAY_URL = stub.url
        settings.PATRIOT_SMS_GATEWAY_TOKEN = "tok"
        yield stub


def _report_on_the_web_form(language: str, email: str) -> Case:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    category = make_category()
    form = client.get(reverse("report")).context["form"]
    response = client.post(
        reverse("report"),
        {
            "idempotency_key": form.initial["idempotency_key"],
            "category": category.code,
            "description": "Lubang besar di depan sekolah.",
            "latitude": str(MARGAHAYU[0]),
            "longitude": str(MARGAHAYU[1]),
            "reporter_email": email,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Case.objects.get(reporter_email=email)


def test_a_report_made_in_english_is_answered_in_english_and_one_in_indonesian_in_indonesian(
    areas: None, sms_stub: SmsGatewayStub
) -> None:
    english = _report_on_the_web_form("en", "visitor@example.com")
    indonesian = _report_on_the_web_form("id", "warga@example.com")
    assert (english.reporter_language, indonesian.reporter_language) == ("en", "id")
    notify.relay_outbox()
    [to_english] = [m for m in mail.outbox if m.to == ["visitor@example.com"]]
    [to_indonesian] = [m for m in mail.outbox if m.to == ["warga@example.com"]]
    assert to_english.subject == f"Your report was received: {english.tracking_number}"
    assert "Keep this private link" in to_english.body and "You receive this message" in to_english.body
    assert "Laporan" not in to_english.subject and "Simpan tautan" not in to_english.body
    assert to_indonesian.subject == f"Laporan Anda diterima: {indonesian.tracking_number}"
    assert "Simpan tautan pribadi" in to_indonesian.body and "Pesan ini dikirim" in to_indonesian.body

    # A change of state, written in the worker (no request): still in the reporter's language, email and SMS alike.
    mail.outbox.clear()
    with translation.override("id"):
        case_through(CaseStateChoices.DISPATCHED, case=english)
        notify.relay_outbox()
    subjects = [m.subject for m in mail.outbox if m.to == ["visitor@example.com"]]
    assert subjects and all(s.startswith(f"Report {english.tracking_number}") for s in subjects), subjects
    assert all("Laporan" not in m.body and "laporan" not in m.body for m in mail.outbox)


def test_the_sms_follows_the_language_of_the_api_request(areas: None, sms_stub: SmsGatewayStub) -> None:
    category = make_category()
    body = {
        "category": category.code,
        "description": "Big pothole in front of the school.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
        "reporter": {"phone": "081234567890"},
    }
    response = Client().post("/api/v1/cases", body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.reporter_language == "en"
    notify.relay_outbox()
    [text] = [b["message"] for b in sms_stub.accepted if b["to"] == "+6281234567890"]
    assert text.startswith(f"Patriot: your report was received as number {case.tracking_number}")


def test_a_phone_caller_hears_in_the_city_language_whatever_the_operator_s_language(
    areas: None, sms_stub: SmsGatewayStub
) -> None:
    with translation.override("en"):
        case = make_case(channel=ChannelChoices.PHONE, reporter_phone="0812 1111 2222")
    assert case.reporter_language == django_settings.LANGUAGE_CODE == "id"
    notify.relay_outbox()
    [text] = [b["message"] for b in sms_stub.accepted if b["to"] == "+6281211112222"]
    assert "laporan Anda diterima" in text


def test_the_resent_link_follows_the_case_s_language_not_the_request_s(areas: None) -> None:
    with translation.override("en"):
        case = make_case(reporter_email="visitor@example.com")
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "id"  # asked for from an Indonesian page
    response = client.post(reverse("citizens:resend-link"), {"number": case.tracking_number})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == f"Private link of report {case.tracking_number}"
    assert "the private link of report" in message.body and "tautan pribadi" not in message.body


def test_a_supporter_hears_in_their_own_language(areas: None) -> None:
    with translation.override("id"):
        case = make_case(reporter_email="warga@example.com")
    with translation.override("en"):
        case_services.support_case(case, email="neighbour@example.com", consent=True)
    assert Supporter.objects.get().language == "en"
    notify.relay_outbox()
    mail.outbox.clear()
    case_services.verify_case(case, by=staff(RoleChoices.POC_OPERATOR))
    notify.relay_outbox()
    to_supporter = next(m for m in mail.outbox if m.to == ["neighbour@example.com"])
    to_reporter = next(m for m in mail.outbox if m.to == ["warga@example.com"])
    assert to_supporter.subject.startswith(f"The report you support {case.tracking_number}")
    assert to_reporter.subject.startswith(f"Laporan {case.tracking_number}")
    assert set(ContactMessage.objects.values_list("recipient", "language")) >= {
        ("neighbour@example.com", "en"),
        ("warga@example.com", "id"),
    }


def test_cases_from_before_the_language_was_recorded_are_written_in_the_default(areas: None) -> None:
    case = make_case(reporter_email="warga@example.com")
    Case.objects.filter(pk=case.pk).update(reporter_language="")
    with translation.override("en"):
        notify.relay_outbox()
    [message] = mail.outbox
    assert message.subject.startswith("Laporan Anda diterima")
