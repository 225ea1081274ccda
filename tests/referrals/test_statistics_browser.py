"""Dinkes' referral figures in a browser: every chart is drawn (vendored Chart.js, no error) and the section fits a
phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.core import clock
from patriot.referrals import services
from tests.browser import PHONE, Screens, serve_in_thread, sign_in
from tests.referrals.referral_fixtures import details, world

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kata-sandi-dinkes-2026"
PORTS = range(18990, 19010)
CHARTS = ("referrals-per-day", "referral-answers", "referral-response", "referral-diagnoses")


@pytest.fixture
def base(settings: Any) -> Iterator[str]:
    settings.PATRIOT_REDIS_URL = ""
    with serve_in_thread(PORTS) as url:
        yield url


def test_dinkes_sees_every_referral_chart(base: str, new_page: Any, screens: Screens) -> None:
    w = world()
    now = clock.now()
    for hours, diagnoses, answer in ((30, ["I63"], "accept"), (5, ["J18"], "no_bed")):
        with clock.pinned(now - timedelta(hours=hours)):
            referral = services.create_referral(w.referrer, details(diagnoses=diagnoses, urgency="urgent"))
            services.send(w.referrer, referral, [w.near.pk])
        with clock.pinned(now - timedelta(hours=hours, minutes=-7)):
            if answer == "accept":
                services.accept(w.near_staff, referral)
            else:
                services.reject(w.near_staff, referral, answer)
    w.dinkes.set_password(PASSWORD)
    w.dinkes.save()
    page = new_page(viewport={"width": 1440, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, base, w.dinkes.username, PASSWORD)
    page.goto(f"{base}/dinkes/#rujukan")
    for name in CHARTS:
        # Chart.js drew on the canvas (it sizes it to its box).
        expect(page.locator(f'canvas[data-chart="{name}"]')).to_have_attribute("style", re.compile("width"))
    expect(page.locator("table.referral-figures tfoot")).to_contain_text("50")
    assert not errors
    screens.shot(page, "dinkes referrals 1440")
    phone = new_page(viewport=PHONE)
    sign_in(phone, base, w.dinkes.username, PASSWORD)
    phone.goto(f"{base}/dinkes/#rujukan")
    expect(phone.locator('canvas[data-chart="referrals-per-day"]')).to_have_attribute("style", re.compile("width"))
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screens.shot(phone, "dinkes referrals 360")
