"""The worker's daily retention job: reporter contact details of finished cases, the access audit, notifications."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from pytest_django import Settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.models import Case, ReporterDataAccess, TimelineEntry
from patriot.cases.presenters import log_reporter_reads
from patriot.citizens import notify
from patriot.citizens.models import Delivery, Notification
from patriot.citizens.services import register_citizen
from patriot.core import worker
from patriot.events.models import OutboxEvent
from tests.factories import State, case_through, load_areas, make_case, staff

START = datetime.fromisoformat("2025-01-06T09:00:00+07:00")
DAYS = 365


@pytest.fixture(autouse=True)
def _setup(db: None, settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_areas()


def _retention() -> None:
    {job.name: job for job in worker.jobs()}["retention"].run()


def _citizen() -> User:
    return register_citizen(
        name="Siti Aminah", phone="081234567890", email="siti@example.org", password="Sorot-uji-2026!"
    )


def _with_contact(state: str, **fields: object) -> Case:
    case = case_through(state, reporter_name="Budi Santoso", reporter_phone="081298765432", **fields)
    case.refresh_from_db()
    return case


def test_retention_is_a_daily_worker_job() -> None:
    assert {job.name: job for job in worker.jobs()}["retention"].interval == 24 * 60 * 60


def test_finished_cases_lose_reporter_contacts_after_the_period_and_open_ones_keep_them(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    settings.PATRIOT_RETENTION_REPORTER_CONTACT_DAYS = DAYS
    citizen = _citizen()
    with time_machine.travel(START, tick=False):
        closed = _with_contact(State.CLOSED, reporter_email="budi@example.org")
        rejected = _with_contact(State.REJECTED)
        still_open = _with_contact(State.IN_PROGRESS)
        own = case_through(State.CLOSED, reporter=citizen, reporter_name="Siti Aminah", reporter_phone="081234567890")
    with time_machine.travel(START + timedelta(days=DAYS - 10), tick=False):
        recent = _with_contact(State.CLOSED)

    with time_machine.travel(START + timedelta(days=DAYS) - timedelta(hours=1), tick=False):
        _retention()
    assert Case.objects.get(pk=closed.pk).reporter_name == "Budi Santoso"  # not yet: an hour before the period ends

    last_event = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    caplog.set_level(logging.INFO, logger="patriot.worker")
    with time_machine.travel(START + timedelta(days=DAYS + 1), tick=False):
        _retention()

    for case in (closed, rejected, own):
        case.refresh_from_db()
        assert (case.reporter_name, case.reporter_phone, case.reporter_email) == ("", "", ""), case.state
    own.refresh_from_db()
    assert own.reporter_id == citizen.pk  # still under the citizen's "Laporan saya"
    for case in (still_open, recent):
        case.refresh_from_db()
        assert (case.reporter_name, case.reporter_phone) == ("Budi Santoso", "+6281298765432")

    entries = TimelineEntry.objects.filter(data__reporter_contact_removed=True)
    assert sorted(entries.values_list("case_id", flat=True)) == sorted([closed.pk, rejected.pk, own.pk])
    assert not entries.filter(is_public=True).exists()
    # Their outbox events never reach the public stream.
    new_events = OutboxEvent.objects.filter(id__gt=last_event)
    assert new_events.count() == 3
    assert not new_events.filter(is_public=True).exists()

    assert "reporter contact details of finished cases older than 365 days: 3 removed" in caplog.text
    for personal in ("Budi", "Siti", "0812", "+62", "example.org", closed.tracking_number):
        assert personal not in caplog.text

    with time_machine.travel(START + timedelta(days=DAYS + 2), tick=False):
        _retention()
    assert "older than 365 days: 0 removed" in caplog.text


def test_access_audit_rows_go_after_the_legal_period(settings: Settings) -> None:
    settings.PATRIOT_RETENTION_ACCESS_AUDIT_DAYS = DAYS
    poc = staff(RoleChoices.POC_OPERATOR)
    case = make_case()
    with time_machine.travel(START, tick=False):
        log_reporter_reads([case.pk], poc, purpose="lama")
    with time_machine.travel(START + timedelta(days=200), tick=False):
        log_reporter_reads([case.pk], poc, purpose="baru")

    with time_machine.travel(START + timedelta(days=DAYS + 1), tick=False):
        _retention()

    assert list(ReporterDataAccess.objects.values_list("purpose", flat=True)) == ["baru"]


def test_old_notifications_and_their_deliveries_go_and_are_not_made_again(settings: Settings) -> None:
    settings.PATRIOT_RETENTION_NOTIFICATIONS_DAYS = 90
    citizen = _citizen()
    citizen.citizen_profile.email_verified_at = START
    citizen.citizen_profile.save()
    with time_machine.travel(START, tick=False):
        old = make_case(reporter=citizen, by=citizen)
        notify.relay_outbox(now=START + timedelta(minutes=5))
    with time_machine.travel(START + timedelta(days=60), tick=False):
        case_through(State.VERIFIED, case=old)
        notify.relay_outbox(now=START + timedelta(days=60, minutes=5))
    assert Notification.objects.count() == 2
    assert Delivery.objects.count() == 2

    with time_machine.travel(START + timedelta(days=91), tick=False):
        _retention()
        notify.relay_outbox(now=START + timedelta(days=91))

    assert list(Notification.objects.values_list("entry__kind", flat=True)) == ["verified"]
    assert Delivery.objects.count() == 1


def test_without_a_period_everything_is_kept(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    settings.PATRIOT_RETENTION_REPORTER_CONTACT_DAYS = 0
    settings.PATRIOT_RETENTION_ACCESS_AUDIT_DAYS = 0
    settings.PATRIOT_RETENTION_NOTIFICATIONS_DAYS = 0
    settings.PATRIOT_RETENTION_REFERRALS_DAYS = 0
    settings.PATRIOT_RETENTION_EMERGENCY_DAYS = 0
    settings.PATRIOT_RETENTION_CREW_RECEIPTS_DAYS = 0
    settings.PATRIOT_RETENTION_CREW_POSITIONS_DAYS = 0
    with time_machine.travel(START, tick=False):
        closed = _with_contact(State.CLOSED)
        log_reporter_reads([closed.pk], staff(RoleChoices.POC_OPERATOR), purpose="lama")
    caplog.set_level(logging.INFO, logger="patriot.worker")

    with time_machine.travel(START + timedelta(days=20 * DAYS), tick=False):
        _retention()

    closed.refresh_from_db()
    assert closed.reporter_name == "Budi Santoso"
    assert ReporterDataAccess.objects.count() == 1
    # Cases' two rules, citizens' notifications, referrals' two (finished referrals, the health-data read log) and
    # PSC 119's three (finished incidents, crew receipts, positions; the read log is the referrals' rule).
    assert caplog.text.count("kept (no retention period set)") == 8
