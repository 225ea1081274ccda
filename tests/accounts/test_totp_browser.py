"""A POC supervisor in Chromium: password, first-time authenticator set-up, recovery codes, the code step, a recovery code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts import totp
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from tests.browser import PHONE, Screens, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "kata-sandi-benar-123"


def test_a_supervisor_sets_up_the_app_and_signs_in_with_a_code(
    live_server: Any, new_page: Any, screens: Screens
) -> None:
    supervisor = User(username="supervisor", role=RoleChoices.POC_SUPERVISOR, first_name="Hendra")
    supervisor.set_password(PASSWORD)
    supervisor.save()
    base = live_server.url

    # 1. The password alone opens nothing: the supervisor must set up an authenticator first.
    page = new_page(viewport=PHONE)
    sign_in(page, base, "supervisor", PASSWORD)
    expect(page).to_have_url(re.compile(r"/masuk/kode/daftar/$"))
    page.goto(f"{base}/poc/")
    expect(page).to_have_url(re.compile(r"/masuk/\?next=/poc/$"))
    page.goto(f"{base}/masuk/kode/daftar/")
    expect(page.locator(".totp-qr svg")).to_be_visible()
    screens.shot(page, "pasang-aplikasi")
    secret = page.locator("[data-totp-secret]").inner_text().replace(" ", "")

    # 2. A mistyped code is explained; the right one turns it on and shows the recovery codes once.
    page.fill("input[name=code]", "000000" if totp.code_for(secret) != "000000" else "111111")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text("Kode salah atau sudah dipakai")
    page.fill("input[name=code]", totp.code_for(secret))
    page.locator("main form button[type=submit]").click()
    codes = page.locator("[data-recovery-codes] code").all_inner_texts()
    assert len(codes) == 10
    screens.shot(page, "kode-pemulihan")
    page.get_by_role("button", name="Sudah saya simpan, lanjutkan").click()
    expect(page).to_have_url(re.compile(r"/poc/$"))
    page.locator("form[action='/keluar/'] button").click()
    page.wait_for_load_state()

    # 3. Next time: password, then the code step; a recovery code stands in for the phone once.
    other = new_page()
    sign_in(other, base, "supervisor", PASSWORD)
    expect(other).to_have_url(re.compile(r"/masuk/kode/$"))
    screens.shot(other, "langkah-kode")
    other.fill("input[name=code]", codes[0])
    other.locator("main form button[type=submit]").click()
    expect(other).to_have_url(re.compile(r"/poc/$"))
    expect(other.locator(".messages")).to_contain_text("tersisa 9")
    other.locator("a.site-user").click()
    expect(other.locator("main")).to_contain_text("Tersisa 9 kode pemulihan.")
    screens.shot(other, "keamanan-akun")
    other.locator("form[action='/keluar/'] button").click()
    other.wait_for_load_state()

    again = new_page()
    sign_in(again, base, "supervisor", PASSWORD)
    again.fill("input[name=code]", codes[0])
    again.locator("main form button[type=submit]").click()
    expect(again.locator(".form-errors")).to_contain_text("Kode salah atau sudah dipakai")
    again.goto(f"{base}/poc/")
    expect(again).to_have_url(re.compile(r"/masuk/\?next=/poc/$"))
