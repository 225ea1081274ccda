"""SOROT in a real browser: register, verify email and phone, report, follow it in "Laporan saya", get notified."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import load_agencies
from patriot.cases import services as case_services
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from patriot.citizens import notify
from patriot.geo.lookup import reset_area_index
from patriot.geo.services import load_reference_areas
from tests.browser import DESKTOP, PHONE, Screens

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "Sorot-browser-2026!"
CATEGORY = "tutup-saluran-hilang"


def test_register_verify_report_and_get_notified(
    live_server: Any, new_page: Any, screens: Screens, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    settings.PATRIOT_SMS_GATEWAY = "log"
    caplog.set_level(logging.INFO, logger="patriot.sms")
    load_reference_areas()
    reset_area_index()
    load_agencies()
    load_categories()
    poc = User.objects.create(username="operator", role=RoleChoices.POC_OPERATOR)
    base = live_server.url
    page = new_page(viewport=PHONE)

    # 1. Register on a phone; a landline is refused next to the field first.
    page.goto(f"{base}/masuk/")
    page.get_by_role("link", name="Daftar akun warga").click()
    page.fill("input[name=name]", "Siti Aminah")
    page.fill("input[name=phone]", "021 8801234")
    page.fill("input[name=email]", "siti@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("#id_phone_error")
    assert "telepon rumah" in page.locator("#id_phone_error").inner_text()
    screens.shot(page, "daftar-nomor-rumah-ditolak")
    page.fill("input[name=phone]", "0812 3456 7890")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/akun/verifikasi/")
    screens.shot(page, "daftar-berhasil-verifikasi")

    # 2. The verification link from the mailbox.
    [message] = mail.outbox
    link = re.search(r"https?://[^\s]+/akun/verifikasi/email/[^\s]+/", message.body)
    assert link, message.body
    page.goto(link.group(0))
    page.wait_for_selector("[data-verified=email]")

    # 3. The SMS code from the logging gateway.
    page.locator("[data-send-code]").click()
    page.wait_for_selector("input[name=code]")
    code = re.findall(r"\b(\d{6})\b", caplog.text)[-1]
    page.fill("input[name=code]", code)
    screens.shot(page, "kode-sms-diisi")
    page.locator("[data-check-code]").click()
    page.wait_for_selector("[data-verified=phone]")
    screens.shot(page, "terverifikasi")

    # 4. Report: SOROT, contact details from the account.
    page.goto(f"{base}/lapor/")
    assert page.locator("[data-report-channel=sorot]").is_visible()
    assert page.input_value("input[name=reporter_phone]") == "+6281234567890"
    radio = page.locator(f"input[name=category][value={CATEGORY}]")
    radio.evaluate("input => { input.closest('details').open = true; }")
    radio.check()
    page.fill("textarea[name=description]", "Tutup saluran di depan pasar hilang, lubangnya dalam dan membahayakan.")
    page.locator("[data-pin-centre]").click()
    page.wait_for_selector("[data-location-readout]:has-text('Kelurahan')")
    screens.shot(page, "lapor-sorot")
    page.locator("[data-submit]").click()
    page.wait_for_url("**/lapor/terkirim/**")
    number = page.locator("#tracking-number").inner_text().strip()
    case = Case.objects.get(tracking_number=number)
    assert case.channel == ChannelChoices.SOROT and case.reporter is not None
    assert case.reporter.username == "siti@example.org"

    # 5. "Laporan saya" lists it with its state.
    page.get_by_role("link", name="Buka Laporan saya").click()
    page.wait_for_selector(f"[data-case='{number}'] .badge[data-value=submitted]")
    screens.shot(page, "laporan-saya")

    # 6. The POC verifies it; the worker's relay turns that into a notification (and an email, sent by its task).
    case_services.verify_case(case, by=poc)
    assert notify.relay_outbox() == 2  # submitted and verified
    assert any(number in m.subject for m in mail.outbox[1:])
    page.reload()
    page.wait_for_selector("[data-unread-count]")
    assert page.locator("[data-unread-count]").first.inner_text().startswith("2")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name=re.compile("Notifikasi")).click()
    page.wait_for_selector("[data-notification][data-kind=verified]")
    screens.shot(page, "notifikasi-ponsel")

    # 7. Opening the case from the notification shows its private page, marked read.
    page.locator("[data-kind=verified] a").first.click()
    page.wait_for_url(f"**/lacak/{number}/")
    assert "Halaman pribadi Anda" in page.content()
    screens.shot(page, "laporan-pribadi")

    # 8. The same pages on a control-room screen.
    desk = new_page(viewport=DESKTOP)
    desk.goto(f"{base}/masuk/")
    desk.fill("input[name=username]", "siti@example.org")
    desk.fill("input[name=password]", PASSWORD)
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url("**/")
    desk.goto(f"{base}/akun/notifikasi/")
    assert desk.locator("[data-unread-count]").count() == 0
    screens.shot(desk, "notifikasi-desktop")
    desk.goto(f"{base}/akun/data/")
    screens.shot(desk, "data-pribadi")
    case.refresh_from_db()
    assert case.state == CaseStateChoices.VERIFIED
