"""A jumantik in a real browser at 360 px: signs in, lands on their week, inspects a house with the + and − buttons
and the phone's location, and sees it counted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.geo.lookup import reset_area_index
from patriot.larvae.models import Inspection
from tests.browser import PHONE, Screens, sign_in
from tests.factories import MARGAHAYU, load_areas

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Kata-sandi-jumantik-2026"


@pytest.fixture
def jumantik_account(settings: Any, tmp_path: Path) -> User:
    settings.MEDIA_ROOT = tmp_path / "media"
    load_areas()
    reset_area_index()
    user = User(username="jumantik-sri", role=RoleChoices.JUMANTIK, first_name="Sri")
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_jumantik_inspects_a_house_on_the_phone(
    jumantik_account: User, live_server: Any, new_page: Any, screens: Screens
) -> None:
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
    )
    sign_in(page, live_server.url, "jumantik-sri", PASSWORD)
    expect(page).to_have_url(re.compile(r"/jumantik/$"))
    expect(page.locator('[data-figure="houses"]')).to_have_text("0")
    page.get_by_role("link", name="Periksa rumah").first.click()
    expect(page).to_have_url(re.compile(r"/jumantik/periksa/$"))
    # The phone's location fills the point by itself.
    expect(page.locator("[data-location-readout]")).to_have_text("Lokasi ditemukan.")
    assert page.input_value("#id_latitude").startswith("-6.25")

    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RT").click()
    page.fill("#id_address", "Jl. Melati No. 7")
    bath_inside = "Bak mandi, Di dalam rumah"
    for _ in range(3):
        page.get_by_role("button", name=f"Tambah: {bath_inside}, diperiksa").click()
    page.get_by_role("button", name=f"Kurangi: {bath_inside}, diperiksa").click()
    # Larvae in a bucket outside that was not counted yet: it counts as inspected too.
    page.get_by_role("button", name="Tambah: Ember, Di luar rumah, ada jentik").click()
    expect(page.locator("#id_c_bucket_outdoor_inspected")).to_have_value("1")
    page.get_by_label("Menguras tempat penampungan air").check()
    screens.shot(page, "form")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Simpan pemeriksaan").click()

    expect(page.locator(".message")).to_contain_text("Tersimpan: RT 1/RW 2, ditemukan jentik di 1 kontainer.")
    inspection = Inspection.objects.get()
    assert (inspection.rw, inspection.rt, inspection.village.name) == (2, 1, "Margahayu")
    counts = {(c.container_type, c.place): (c.inspected, c.positive) for c in inspection.containers.all()}
    assert counts == {("bath_tub", "indoor"): (2, 0), ("bucket", "outdoor"): (1, 1)}
    assert inspection.actions == ["drain"]
    # The phone's own time came with it (the script fills it in when the form is sent).
    assert abs((inspection.received_at - inspection.inspected_at).total_seconds()) < 120

    page.get_by_role("link", name="Lihat minggu saya").click()
    expect(page.locator('[data-figure="houses"]')).to_have_text("1")
    expect(page.locator('[data-figure="positive-houses"]')).to_have_text("1")
    screens.shot(page, "my week")
