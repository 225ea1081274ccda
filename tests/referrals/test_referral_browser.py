"""Issue 12's check in a browser: a puskesmas refers an emergency to two hospitals at once; the receiving hospital's
open incoming page shows it live; one hospital rejects (no bed), the other accepts, and its free ICU count drops
by one on the public bed board; the puskesmas exports the referral as a FHIR Bundle from its signed-in browser,
valid for fhir.resources (R4B), imports it back and the import is equal, while waiting and once accepted (Task
"accepted"): the Bundle names the referral by its number, so the import creates nothing and answers the existing
referral (conditional create, referrals.fhir)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.referrals.models import BedCount, Referral
from tests.browser import DESKTOP, PHONE, Screens, serve_in_thread, sign_in
from tests.referrals.referral_fixtures import NIK, world
from tests.referrals.test_fhir import resources

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PORTS = range(18950, 19000)
PASSWORD = "kata-sandi-uji-rujukan"


@pytest.fixture
def asgi_server(settings: Settings) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.3
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with serve_in_thread(PORTS) as base:
        yield base


def free_icu(page: Any, base: str, code: str) -> str:
    page.goto(f"{base}/tempat-tidur/?jenis=icu")
    return page.locator(f'tbody[data-hospital="{code}"] tr[data-bed-type="icu"] [data-free]').inner_text().strip()


def export(page: Any, base: str, referral_id: int) -> dict[str, Any]:
    """The referral's Bundle as the signed-in page's session reads it, checked by fhir.resources (R4B)."""
    response = page.request.get(f"{base}/api/v1/referrals/{referral_id}/fhir")
    assert response.status == 200 and response.headers["content-type"].startswith("application/fhir+json")
    bundle: dict[str, Any] = response.json()
    Bundle.parse_obj(bundle)  # raises on anything R4B does not allow
    return bundle


def import_bundle(page: Any, base: str, bundle: dict[str, Any]) -> Any:
    """POST the Bundle to the import endpoint with the page's session (and its CSRF token, as a script would)."""
    token = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")
    return page.request.post(
        f"{base}/api/v1/referrals/fhir",
        data=json.dumps(bundle),
        headers={"Content-Type": "application/fhir+json", "X-CSRFToken": token, "Referer": f"{base}/"},
    )


def test_emergency_to_two_hospitals_one_rejects_one_accepts_board_drops(
    asgi_server: str, new_page: Any, screens: Screens
) -> None:
    w = world()
    for user in (w.referrer, w.near_staff, w.far_staff):
        user.set_password(PASSWORD)
        user.save()
    base = asgi_server
    board = new_page(viewport=PHONE)
    assert free_icu(board, base, "rs-near") == "2"

    hospital = new_page(viewport=DESKTOP)
    sign_in(hospital, base, "near-staff", PASSWORD)
    expect(hospital).to_have_url(re.compile(r"/rujukan/masuk/$"))
    expect(hospital.locator("#incoming-live")).to_contain_text("0 menunggu jawaban")
    # The page says whether it is live (the same indicator as the control room's).
    expect(hospital.locator("[data-live-indicator]")).to_have_attribute("data-state", "connected")

    puskesmas = new_page(viewport=PHONE)
    sign_in(puskesmas, base, "pkm-staff", PASSWORD)
    expect(puskesmas).to_have_url(re.compile(r"/rujukan/keluar/$"))
    puskesmas.goto(f"{base}/rujukan/baru/")
    puskesmas.fill("input[name=patient_name]", "Sari Wulandari")
    puskesmas.fill("input[name=nik]", NIK)
    puskesmas.fill("input[name=birth_date]", "1990-03-03")
    puskesmas.check("input[name=sex][value=female]")
    puskesmas.fill("input[name=relative_phone]", "081234567890")
    puskesmas.fill("textarea[name=reason]", "Penurunan kesadaran, curiga stroke")
    puskesmas.fill("input[name=diagnoses]", "I63")
    puskesmas.select_option("select[name=consciousness]", "voice")
    puskesmas.fill("input[name=gcs]", "11")
    puskesmas.fill("input[name=spo2]", "93")
    puskesmas.select_option("select[name=bed_type]", "icu")
    puskesmas.check("input[name=urgency][value=emergency]")
    puskesmas.fill("input[name=referring_doctor]", "dr. Ani")
    screens.shot(puskesmas, "form-phone")
    puskesmas.locator("main form.referral-form button[type=submit]").click()
    expect(puskesmas).to_have_url(re.compile(r"/rujukan/\d+/$"))
    puskesmas.check('input[data-hospital="rs-near"]')
    puskesmas.check('input[data-hospital="rs-far"]')
    puskesmas.locator("main form", has=puskesmas.locator('input[data-hospital="rs-near"]')).locator(
        "button[type=submit]"
    ).click()
    expect(puskesmas.locator('li[data-offer="rs-near"]')).to_have_attribute("data-state", "pending")
    expect(puskesmas.locator('li[data-offer="rs-far"]')).to_have_attribute("data-state", "pending")
    referral = Referral.objects.get()

    # The hospital's open page shows it without a reload, with its timer.
    expect(hospital.locator("#incoming-live")).to_contain_text("1 menunggu jawaban")
    expect(hospital.locator(f'li[data-referral="{referral.pk}"] .timer')).to_contain_text("sisa")
    screens.shot(hospital, "incoming-desktop")

    # Waiting for its answers: the puskesmas exports it, the Bundle is valid R4(B), its import (retried too) creates
    # nothing and answers the same referral, equal to the export.
    exported = export(puskesmas, base, referral.pk)
    assert resources(exported, "Task")[0]["status"] == "requested"
    for _attempt in range(2):
        answer = import_bundle(puskesmas, base, exported)
        assert answer.status == 200, answer.text()
        assert answer.headers["location"] == f"/api/v1/referrals/{referral.pk}/fhir"
        assert answer.json() == exported == export(puskesmas, base, referral.pk)
    assert Referral.objects.get() == referral

    other = new_page(viewport=PHONE)
    sign_in(other, base, "far-staff", PASSWORD)
    other.goto(f"{base}/rujukan/{referral.pk}/")
    other.select_option("select[name=reason]", "no_bed")
    other.locator("button[name=answer][value=reject]").click()
    expect(other).to_have_url(re.compile(r"/rujukan/masuk/$"))
    expect(other.locator(f'tr[data-referral="{referral.pk}"]')).to_have_attribute("data-offer-state", "rejected")
    assert "Sari" not in other.content()
    expect(puskesmas.locator('li[data-offer="rs-far"]')).to_have_attribute("data-state", "rejected")

    hospital.locator(f'li[data-referral="{referral.pk}"] a').click()
    hospital.locator("button[name=answer][value=accept]").click()
    expect(hospital.locator("h1 [data-state]")).to_have_attribute("data-state", "accepted")
    screens.shot(hospital, "accepted-desktop")

    # On the board left open since the start, at that moment (the live "beds" event), then after a reload too.
    expect(board.locator('tbody[data-hospital="rs-near"] tr[data-bed-type="icu"] [data-free]')).to_have_text("1")
    assert free_icu(board, base, "rs-near") == "1"
    assert BedCount.objects.get(facility=w.near, bed_type="icu").reserved == 1
    expect(puskesmas.locator('li[data-offer="rs-near"]')).to_have_attribute("data-state", "accepted")
    screens.shot(puskesmas, "accepted-phone")

    # Answered: the export is valid with its Task "accepted", owned by the hospital that accepted; imported back it
    # is the same referral, equal, ids included, and nothing is written (its acceptance stays the hospital's).
    exported = export(puskesmas, base, referral.pk)
    (task,) = resources(exported, "Task")
    (owner,) = [e["resource"] for e in exported["entry"] if e["fullUrl"] == task["owner"]["reference"]]
    assert task["status"] == "accepted" and owner["identifier"][0]["value"] == "rs-near"
    answer = import_bundle(puskesmas, base, exported)
    assert answer.status == 200, answer.text()
    assert answer.json() == exported == export(puskesmas, base, referral.pk)
    assert Referral.objects.get() == referral and referral.offers.count() == 2
    # The hospital that said no may read it no more: its import is answered as for a referral it cannot see.
    refused = import_bundle(other, base, exported)
    assert refused.status == 403 and "Sari" not in refused.text() and referral.number not in refused.text()
    assert Referral.objects.count() == 1

    # The hospital's phone: its incoming page with the answered table fits the screen (no sideways scrolling).
    phone = new_page(viewport=PHONE)
    sign_in(phone, base, "near-staff", PASSWORD)
    expect(phone.locator(f'tr[data-referral="{referral.pk}"] td.patient')).to_contain_text("************")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.shot(phone, "incoming-phone")
