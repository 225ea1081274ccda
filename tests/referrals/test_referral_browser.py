"""Issue 12's check in a browser: a puskesmas refers an emergency to two hospitals at once; the receiving hospital's
open incoming page shows it live; one hospital rejects (no bed), the other accepts, and its free ICU count drops
by one on the public bed board."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from pytest_django import Settings

from patriot.referrals.models import BedCount, Referral
from tests.browser import DESKTOP, PHONE, Screens, serve_in_thread, sign_in
from tests.referrals.referral_fixtures import NIK, world

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

    # The hospital's phone: its incoming page with the answered table fits the screen (no sideways scrolling).
    phone = new_page(viewport=PHONE)
    sign_in(phone, base, "near-staff", PASSWORD)
    expect(phone.locator(f'tr[data-referral="{referral.pk}"] td.patient')).to_contain_text("************")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.shot(phone, "incoming-phone")
