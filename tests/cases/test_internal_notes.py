"""Staff notes are never public: the words of a dispatch, a forward or an assignment stay with staff, on every
way out of Patriot (tracking page, public API, Open311, the public stream, notifications, the citizen's data)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.cases import presenters, services
from patriot.cases.choices import ChannelChoices, TimelineKindChoices
from patriot.cases.models import Case
from patriot.cases.staff_forms import (
    INTERNAL_TEXT,
    SHOWN_TO_REPORTER,
    AssignForm,
    DispatchForm,
    ForwardForm,
    MergeForm,
    RejectForm,
    ResolveForm,
    StartForm,
    VerifyForm,
)
from patriot.citizens import notify
from patriot.citizens.models import CitizenProfile, Notification
from patriot.core import clock
from patriot.events.models import OutboxEvent
from tests.factories import make_agency, make_case, make_team, photo, staff

pytestmark = pytest.mark.django_db

# One distinctive string per staff note, so a leak names its source.
VERIFY_NOTE = "RAHASIA-VERIFIKASI pelapor orangnya cerewet"
DISPATCH_NOTE = "RAHASIA-DISPOSISI kabid minta cepat"
FORWARD_REASON = "RAHASIA-TERUSKAN bukan urusan kami, lempar saja"
ASSIGN_NOTE = "RAHASIA-PENUGASAN bawa Pak Joko"
START_NOTE = "RAHASIA-MULAI truk masih di bengkel"
INTERNAL_COMMENT = "RAHASIA-KOMENTAR jangan dibalas dulu"
SECRETS = (VERIFY_NOTE, DISPATCH_NOTE, FORWARD_REASON, ASSIGN_NOTE, START_NOTE, INTERNAL_COMMENT)
RESOLUTION = "Lubang sudah ditambal dengan aspal dingin."


@pytest.fixture
def citizen(db: None) -> User:
    user = User(
        username="siti@example.org",
        email="siti@example.org",
        first_name="Siti",
        phone="+6281234567890",
        role=Role.CITIZEN,
    )
    user.set_unusable_password()
    user.save()
    now = clock.now()
    CitizenProfile.objects.create(user=user, created_at=now, email_verified_at=now, phone_verified_at=now)
    return user


@pytest.fixture
def walked(areas: None, citizen: User, settings: Any) -> Case:
    """A citizen's case taken through every staff step, each with an internal note, up to its resolution."""
    settings.PATRIOT_SMS_GATEWAY = "log"
    first = make_agency("dpupr", short_name="DPUPR")
    second = make_agency("dbmsda", short_name="DBMSDA")
    case = make_case(channel=ChannelChoices.SOROT, reporter=citizen, reporter_email=citizen.email)
    poc = staff(Role.POC_OPERATOR)
    services.verify_case(case, by=poc, note=VERIFY_NOTE)
    services.dispatch_case(case, by=poc, agency=first, note=DISPATCH_NOTE)
    services.forward_case(case, by=staff(Role.AGENCY_ADMIN, agency=first), agency=second, reason=FORWARD_REASON)
    team = make_team(second)
    services.assign_case(case, by=staff(Role.AGENCY_OFFICER, agency=second), team=team, note=ASSIGN_NOTE)
    services.comment_case(case, by=poc, note=INTERNAL_COMMENT)
    officer = staff(Role.URC_OFFICER, team=team)
    services.start_case(case, by=officer, note=START_NOTE)
    services.resolve_case(case, by=officer, note=RESOLUTION, proof_photos=[photo("bukti.jpg", exif_gps=False)])
    return case


def _no_secret_in(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"internal notes leaked: {leaked}"


def test_the_public_tracking_page_shows_the_steps_without_the_internal_words(walked: Case) -> None:
    page = Client().get(f"/lacak/{walked.tracking_number}/").content.decode()
    _no_secret_in(page)
    assert "Didisposisikan ke DPUPR" in page
    assert "Diteruskan ke DBMSDA" in page
    assert RESOLUTION in page


def test_the_reporters_private_page_and_the_public_api_carry_no_internal_note(walked: Case) -> None:
    reporter = Client()
    key = services.reporter_key_for(walked)
    private = reporter.get(f"/lacak/{walked.tracking_number}/?kunci={key}", follow=True).content.decode()
    assert "Untuk Anda sebagai pelapor" in private
    _no_secret_in(private)
    for path in (
        f"/api/v1/public/cases/{walked.tracking_number}",
        f"/api/v1/public/cases/{walked.tracking_number}/private",
    ):
        answer = Client().get(path, HTTP_X_REPORTER_KEY=key)
        assert answer.status_code == 200, path
        _no_secret_in(answer.content.decode())
    _no_secret_in(json.dumps(presenters.reporter_case(walked), default=str))
    labels = [entry["label"] for entry in presenters.public_case(walked)["timeline"]]
    assert "Diteruskan ke DBMSDA" in labels


def test_a_citizen_reading_their_case_through_the_staff_api_sees_no_internal_note(walked: Case, citizen: User) -> None:
    _no_secret_in(json.dumps(presenters.staff_case(walked, citizen, purpose="test"), default=str))


def test_open311_get_in_json_and_xml_carries_no_internal_note(walked: Case) -> None:
    client = Client()
    for path in (
        f"/open311/v2/requests/{walked.tracking_number}.json",
        f"/open311/v2/requests/{walked.tracking_number}.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        body = answer.content.decode()
        _no_secret_in(body)
        if path.startswith(f"/open311/v2/requests/{walked.tracking_number}"):
            assert walked.tracking_number in body


@pytest.mark.django_db(transaction=True)
def test_the_public_event_stream_carries_no_internal_note(walked: Case) -> None:
    body = b"".join(Client().get("/events/public/", HTTP_LAST_EVENT_ID="0").streaming_content).decode()  # type: ignore[attr-defined]
    assert walked.tracking_number in body
    _no_secret_in(body)
    for event in OutboxEvent.objects.filter(subject_id=walked.tracking_number, is_public=True):
        _no_secret_in(json.dumps(event.payload))


def test_notification_emails_sms_and_the_citizens_pages_carry_no_internal_note(walked: Case, citizen: User) -> None:
    notify.relay_outbox(now=timezone.now() + timedelta(seconds=notify.SETTLE_SECONDS + 1))
    notifications = list(Notification.objects.filter(user=citizen).select_related("entry", "case"))
    kinds = {n.entry.kind for n in notifications}
    assert {TimelineKindChoices.DISPATCHED, TimelineKindChoices.FORWARDED, TimelineKindChoices.ASSIGNED} <= kinds
    assert mail.outbox, "the verified citizen gets emails"
    for message in mail.outbox:
        _no_secret_in(message.subject + message.body)
    assert any("Diteruskan ke DBMSDA" in message.subject for message in mail.outbox)
    assert any(RESOLUTION in message.body for message in mail.outbox)
    for notification in notifications:
        _no_secret_in(notify.render_sms(notification))
        _no_secret_in("".join(map(str, notify.render_email(notification))))
    browser = Client()
    browser.force_login(citizen)
    for path in ("/akun/notifikasi/", f"/akun/laporan/{walked.tracking_number}/", "/akun/data/unduh/"):
        answer = browser.get(path, follow=True)
        assert answer.status_code == 200, path
        _no_secret_in(answer.content.decode())


def test_staff_still_read_every_internal_note(walked: Case) -> None:
    poc = staff(Role.POC_OPERATOR)
    text = json.dumps(presenters.staff_case(walked, poc, purpose="test"), default=str)
    for secret in SECRETS:
        assert secret in text
    browser = Client()
    browser.force_login(poc)
    page = browser.get(f"/poc/laporan/{walked.tracking_number}/").content.decode()
    assert FORWARD_REASON in page and ASSIGN_NOTE in page


def test_a_rejection_note_and_a_public_comment_are_written_for_the_reporter(areas: None) -> None:
    case = make_case()
    poc = staff(Role.POC_OPERATOR)
    services.comment_case(case, by=poc, note="Terima kasih, kami cek ke lokasi.", is_public=True)
    services.reject_case(case, by=poc, reason="not_city_authority", note="Jalan tol: wewenang BUJT, bukan pemkot.")
    page = Client().get(f"/lacak/{case.tracking_number}/").content.decode()
    assert "Terima kasih, kami cek ke lokasi." in page
    assert "Jalan tol: wewenang BUJT, bukan pemkot." in page


def test_every_staff_text_field_says_who_reads_it() -> None:
    internal = [
        VerifyForm.base_fields["note"],
        MergeForm.base_fields["note"],
        DispatchForm.base_fields["note"],
        ForwardForm.base_fields["reason"],
        AssignForm.base_fields["note"],
        StartForm.base_fields["note"],
    ]
    assert all(field.help_text == INTERNAL_TEXT for field in internal)
    assert RejectForm.base_fields["note"].help_text == SHOWN_TO_REPORTER
    assert ResolveForm.base_fields["note"].help_text == SHOWN_TO_REPORTER


def test_the_staff_case_page_labels_the_forward_reason_internal(areas: None) -> None:
    agency = make_agency()
    case = make_case()
    poc = staff(Role.POC_OPERATOR)
    services.verify_case(case, by=poc)
    services.dispatch_case(case, by=poc, agency=agency)
    make_agency("lain")
    browser = Client()
    browser.force_login(staff(Role.AGENCY_ADMIN, agency=agency))
    page = browser.get(f"/opd/laporan/{case.tracking_number}/").content.decode()
    assert "Alasan meneruskan" in page
    assert "Catatan internal — tidak terlihat oleh pelapor/publik" in page
