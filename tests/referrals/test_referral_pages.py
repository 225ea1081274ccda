"""Referral pages beyond the flow: attachments (re-encoded, no EXIF, only for who may see the referral), Dinkes's
primary-care list, the POC's escalation count (no patient data), the ICD-10 search, retention, the demo."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from patriot.accounts.choices import RoleChoices
from patriot.core import clock
from patriot.core.errors import Forbidden, InvalidInput
from patriot.core.models import PersonalDataAccess
from patriot.referrals import services
from patriot.referrals.models import PrimaryCareDiagnosis, Referral, ReferralAttachment
from tests.factories import jpeg_bytes, make_user
from tests.referrals.referral_fixtures import World, details, world


@pytest.fixture
def w(db: None) -> World:
    return world()


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_attachments_are_re_encoded_without_exif_and_shown_only_to_who_may_see(w: World) -> None:
    upload = services.Upload("lab.jpg", io.BytesIO(jpeg_bytes()))
    referral = services.create_referral(w.referrer, details(), [upload])
    services.send(w.referrer, referral, [w.near.pk])
    attachment = ReferralAttachment.objects.get()
    with default_storage.open(attachment.file.name, "rb") as handle:
        stored = handle.read()
    assert b"PhoneMaker" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    url = f"/rujukan/{referral.pk}/lampiran/{attachment.pk}/"
    # A hospital still asked opens none: a lab sheet may carry the patient's name (referrals.access).
    assert client_of(w.near_staff).get(url).status_code == 404
    services.accept(w.near_staff, referral)
    for user in (w.referrer, w.near_staff, w.dinkes):
        response = client_of(user).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (w.far_staff, w.other_puskesmas_staff, make_user(RoleChoices.MAYOR)):
        assert client_of(user).get(url).status_code in (403, 404)
    assert Client().get(url).status_code == 302
    assert PersonalDataAccess.objects.filter(purpose="Membuka lampiran rujukan").count() == 3


def test_a_pdf_or_a_fake_image_is_refused(w: World) -> None:
    for name, content in (("hasil.pdf", b"%PDF-1.7\n1 0 obj"), ("x.jpg", b"not an image")):
        with pytest.raises(InvalidInput):
            services.create_referral(w.referrer, details(), [services.Upload(name, io.BytesIO(content))])
    assert Referral.objects.count() == 0 and ReferralAttachment.objects.count() == 0


def test_dinkes_keeps_the_primary_care_list(w: World) -> None:
    client = client_of(w.dinkes)
    assert (
        client.post("/rujukan/diagnosis-primer/", {"code": "j06.9", "active": "1", "note": "ISPA"}).status_code == 302
    )
    row = PrimaryCareDiagnosis.objects.get()
    assert (row.code, row.active, row.note) == ("J06", True, "ISPA")
    client.post("/rujukan/diagnosis-primer/", {"code": "J06", "active": "0"})
    assert not PrimaryCareDiagnosis.objects.get().active
    assert 'data-code="J06"' in client.get("/rujukan/diagnosis-primer/").content.decode()
    with pytest.raises(InvalidInput):
        services.set_primary_care(w.dinkes, "Q99", active=True)
    for user in (w.referrer, w.near_staff, make_user(RoleChoices.POC_SUPERVISOR)):
        with pytest.raises(Forbidden):
            services.set_primary_care(user, "J00", active=True)
        assert client_of(user).post("/rujukan/diagnosis-primer/", {"code": "J00", "active": "1"}).status_code == 403
    assert not PrimaryCareDiagnosis.objects.filter(code="J00").exists()


def test_the_poc_dashboard_shows_a_count_of_late_answers_without_patients(w: World) -> None:
    referral = services.create_referral(w.referrer, details())
    services.send(w.referrer, referral, [w.near.pk])
    with clock.pinned(clock.now() + timedelta(minutes=11)):
        services.escalate_overdue()
    page = client_of(make_user(RoleChoices.POC_OPERATOR)).get("/poc/dasbor/").content.decode()
    assert "<strong data-referral-escalations>1</strong>" in page
    assert "Wulandari" not in page and referral.number not in page
    assert 'data-late="1"' in client_of(w.dinkes).get("/rujukan/semua/").content.decode()
    mayor_page = client_of(make_user(RoleChoices.MAYOR)).get("/walikota/").content.decode()
    assert "data-referral-escalations" not in mayor_page


def test_icd10_search_answers_signed_in_referral_roles_only(w: World) -> None:
    response = client_of(w.referrer).get("/rujukan/icd10/?q=stroke")
    assert any(row["code"] == "I63" for row in response.json()["results"])
    assert Client().get("/rujukan/icd10/?q=stroke").status_code == 302
    assert client_of(make_user(RoleChoices.CITIZEN)).get("/rujukan/icd10/?q=stroke").status_code == 403


def test_finished_referrals_are_kept_25_years_then_deleted(w: World) -> None:
    old = services.create_referral(w.referrer, details())
    services.step(w.referrer, old, "cancel", "batal")
    open_one = services.create_referral(w.referrer, details())
    Referral.objects.update(created_at=clock.now() - timedelta(days=9200))
    assert services.purge_finished(clock.now() - timedelta(days=9131)) == 1
    assert list(Referral.objects.values_list("pk", flat=True)) == [open_one.pk]


def test_the_start_page_sends_each_facility_to_its_list(w: World) -> None:
    assert client_of(w.near_staff).get("/rujukan/")["Location"] == "/rujukan/masuk/"
    assert client_of(w.referrer).get("/rujukan/")["Location"] == "/rujukan/keluar/"
    assert client_of(w.dinkes).get("/rujukan/")["Location"] == "/rujukan/semua/"
    assert client_of(make_user(RoleChoices.HOSPITAL_STAFF)).get("/rujukan/").status_code == 403


@override_settings(PATRIOT_DEMO=True)
def test_the_demo_has_referrals_in_every_state(db: None) -> None:
    from patriot.accounts.models import User
    from patriot.accounts.services import load_agencies
    from patriot.referrals import demo, fhir, queries
    from patriot.referrals.choices import ReferralStateChoices
    from patriot.referrals.referral_seed import seed_demo_referrals
    from patriot.referrals.services import load_facilities, statistics
    from tests.factories import load_areas

    load_areas()
    load_agencies()
    load_facilities()
    seed_demo_referrals()
    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralStateChoices.values())
    # ... and in every FHIR Task status the exchange shows, "received" (opened by the hospital, unanswered) too.
    statuses = {fhir.task(referral)["status"] for referral in Referral.objects.all()}
    assert statuses == {
        "draft",
        "requested",
        "received",
        "accepted",
        "rejected",
        "in-progress",
        "completed",
        "cancelled",
    }
    received = next(r for r in Referral.objects.all() if fhir.task(r)["status"] == "received")
    offer = received.offers.get()
    assert offer.opened_by == User.objects.get(username="hospital") and offer.state == "pending"
    assert received.timeline.filter(kind="opened").count() == 1
    assert client_of_username("hospital").get("/rujukan/")["Location"] == "/rujukan/masuk/"
    assert client_of_username("puskesmas").get("/rujukan/")["Location"] == "/rujukan/keluar/"
    # Answered over the last hours, minutes after sending: Dinkes's response times are not all zero, and the beds
    # the answers reserved are still current on the board.
    _rows, city = statistics.hospital_figures(statistics.default_period())
    assert city.median_minutes is not None and 2 <= city.median_minutes <= 25
    assert not [row for row in queries.board() if row.stale and row.hospital_code == demo.DEMO_HOSPITAL]
    # Spread over the last month, not all today: Dinkes's per-day chart has a bar on many days; the open ones
    # (the draft, the one waiting for both hospitals, the received one) are today's, and each answer came minutes
    # after its sending.
    today = timezone.localdate(clock.now())
    sent_days = {timezone.localdate(r.created_at) for r in Referral.objects.all()}
    assert len(sent_days) >= 8 and min(sent_days) >= today - timedelta(days=29) and max(sent_days) == today
    assert timezone.localdate(received.created_at) == today
    for referral in Referral.objects.exclude(state__in=("draft", "requested")).exclude(pk=received.pk):
        sent = referral.timeline.filter(kind="sent").earliest("created_at").created_at
        answer = referral.timeline.filter(kind__in=("accepted", "rejected", "cancelled")).earliest("created_at")
        assert timedelta(0) < answer.created_at - sent < timedelta(minutes=30), referral.pk
    seed_demo_referrals()  # a second run adds nothing
    assert Referral.objects.count() == 11


@override_settings(PATRIOT_DEMO=True)
def test_every_state_the_app_has_is_present_in_the_demo_with_times_in_order(db: None) -> None:
    """Item 11, "referrals in every state": every referral state, every hospital copy state (a copy opened and not
    answered, FHIR Task "received", included), every reject reason but "other", every timeline step (the late
    answer's escalation and the ambulance included), each at a time that follows the one before and none ahead."""
    from patriot.accounts.services import load_agencies
    from patriot.referrals.choices import (
        OfferStateChoices,
        ReferralEntryKindChoices,
        ReferralStateChoices,
        RejectReasonChoices,
    )
    from patriot.referrals.models import ReferralOffer
    from patriot.referrals.referral_seed import seed_demo_referrals
    from patriot.referrals.services import load_facilities
    from tests.factories import load_areas

    load_areas()
    load_agencies()
    load_facilities()
    seed_demo_referrals()
    now = clock.now()
    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralStateChoices.values())
    assert set(ReferralOffer.objects.values_list("state", flat=True)) == set(OfferStateChoices.values())
    kinds = set(Referral.objects.values_list("timeline__kind", flat=True))
    # An ambulance that takes the patient to another hospital than the receiving one is written by the PSC 119
    # module (tests/referrals/test_transfer.py); the demo's transfers reach their hospital.
    assert kinds == set(ReferralEntryKindChoices.values()) - {ReferralEntryKindChoices.AMBULANCE_DIVERTED}
    reasons = set(ReferralOffer.objects.exclude(reject_reason="").values_list("reject_reason", flat=True))
    assert reasons == set(RejectReasonChoices.values()) - {RejectReasonChoices.OTHER}
    # Opened and waiting (FHIR "received"): opened minutes after it was sent, minutes ago, before its target.
    waiting = ReferralOffer.objects.get(state=OfferStateChoices.PENDING, opened_at__isnull=False)
    assert timedelta(minutes=1) < waiting.opened_at - waiting.sent_at < timedelta(minutes=10)
    assert waiting.opened_at < now and waiting.due_at > now and waiting.escalated_at is None
    assert ReferralOffer.objects.filter(state=OfferStateChoices.PENDING, opened_at__isnull=True).exists()
    # Every answer was opened first, after the sending, and answered after the opening; the one answer escalated
    # came after its target.
    for offer in ReferralOffer.objects.filter(state__in=(OfferStateChoices.ACCEPTED, OfferStateChoices.REJECTED)):
        assert offer.sent_at < offer.opened_at < offer.responded_at < now, offer.pk
        assert (offer.escalated_at is not None) == (offer.responded_at > offer.due_at), offer.pk
    escalated = ReferralOffer.objects.get(escalated_at__isnull=False)
    assert escalated.sent_at < escalated.due_at <= escalated.escalated_at < escalated.responded_at
    # The case: an emergency sent to both hospitals, one said no (no bed or no specialist), the other yes.
    both = [
        referral
        for referral in Referral.objects.filter(urgency="emergency").exclude(accepted_offer=None)
        if {offer.state for offer in referral.offers.all()} == {"accepted", "rejected"}
    ]
    assert both
    # Each timeline reads in order, the open referrals are minutes old, nothing lies ahead of now.
    for referral in Referral.objects.all():
        times = list(referral.timeline.order_by("id").values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] <= now, referral.pk
        assert referral.created_at <= times[0], referral.pk
    for referral in Referral.objects.filter(state__in=("draft", "requested")):
        assert timedelta(minutes=1) < now - referral.created_at < timedelta(minutes=30), referral.pk


def client_of_username(username: str) -> Client:
    from patriot.accounts.models import User

    return client_of(User.objects.get(username=username))
