"""A jumantik in a real browser at 360 px: signs in, lands on their week, inspects a house with the + and − buttons
and the phone's location, and sees it counted; without signal the houses wait on the phone and are sent once, with
their own time, when the signal returns."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.geo.lookup import reset_area_index
from patriot.geo.models import Village
from patriot.larvae.models import FieldAssignment, Inspection, RtTarget
from patriot.larvae.services import record_inspection
from tests.browser import PHONE, Screens, sign_in
from tests.factories import MARGAHAYU, jpeg_bytes, load_areas
from tests.larvae.conftest import inspection_submission

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

    # Kept on the phone first, then sent at once (there is signal): the server's answer is shown.
    expect(page.locator("[data-queue-status]")).to_contain_text(
        "Tersimpan: RT 1/RW 2, ditemukan jentik di 1 kontainer."
    )
    expect(page.locator("[data-queue-count]")).to_have_text("0")
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


def _enter_house(page: Any, address: str, *, larvae: bool) -> None:
    """One house as a jumantik enters it: address, the counts by + and −, one PSN action, save."""
    page.fill("#id_address", address)
    for _ in range(2):
        page.get_by_role("button", name="Tambah: Bak mandi, Di dalam rumah, diperiksa").click()
    page.get_by_role("button", name="Tambah: Ember, Di luar rumah, diperiksa").click()
    if larvae:
        page.get_by_role("button", name="Tambah: Ember, Di luar rumah, ada jentik").click()
    page.get_by_label("Menguras tempat penampungan air").check()
    page.get_by_role("button", name="Simpan pemeriksaan").click()


@pytest.fixture
def assigned_jumantik(jumantik_account: User) -> User:
    village = Village.objects.get(name="Margahayu")
    FieldAssignment.objects.create(user=jumantik_account, village=village, rw=2, rt=1)
    RtTarget.objects.create(village=village, rw=2, rt=1, houses=30, updated_at=clock.now())
    return jumantik_account


def test_without_signal_the_houses_wait_on_the_phone_and_are_sent_once_with_their_own_time(
    assigned_jumantik: User, live_server: Any, new_page: Any, screens: Screens
) -> None:
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
    )
    sign_in(page, live_server.url, "jumantik-sri", PASSWORD)
    expect(page.locator('[data-figure="rt-target"]')).to_have_text("30")
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    page.get_by_role("link", name="Periksa rumah").first.click()
    expect(page.locator("[data-location-readout]")).to_have_text("Lokasi ditemukan.")
    # The service worker keeps the form so it opens without signal.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RT").click()

    page.context.set_offline(True)
    started = time.monotonic()
    _enter_house(page, "Jl. Melati No. 7", larvae=True)
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    one_house = time.monotonic() - started
    assert one_house < 60, f"one house took {one_house:.1f} s"
    expect(page.locator("#id_address")).to_have_value("")
    expect(page.locator("#id_rw")).to_have_value("2")
    expect(page.locator("[data-location-readout]")).to_have_text("Lokasi ditemukan.")
    # A photo taken without signal waits on the phone too (a blob in IndexedDB).
    page.set_input_files(
        "#id_photo", files=[{"name": "rumah.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(exif_gps=True)}]
    )
    _enter_house(page, "Jl. Melati No. 9", larvae=False)
    expect(page.locator("[data-queue-count]")).to_have_text("2")
    expect(page.locator("[data-queue-list] li")).to_have_count(2)
    expect(page.locator("[data-queue-status]")).to_contain_text("Belum ada sinyal")
    screens.shot(page, "two houses waiting")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Inspection.objects.count() == 0

    # Still without signal, the form opens again (service worker) and the houses are still waiting.
    page.reload()
    expect(page.locator("[data-queue-count]")).to_have_text("2")
    back_online_at = clock.now()
    page.context.set_offline(False)
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    expect(page.locator("[data-queue-status]")).to_contain_text("Semua pemeriksaan sudah terkirim.")
    screens.shot(page, "sent")

    # Both may carry the same second (the phone's time has whole seconds): ordered by address.
    inspections = list(Inspection.objects.order_by("address"))
    assert [i.address for i in inspections] == ["Jl. Melati No. 7", "Jl. Melati No. 9"]
    assert [i.is_positive for i in inspections] == [True, False]
    assert not inspections[0].photo
    with inspections[1].photo.open("rb") as stored:
        photo = stored.read()
    assert photo.startswith(b"\xff\xd8") and b"GPS" not in photo and b"PhoneModel" not in photo
    for inspection in inspections:
        # The time the house was inspected, not the time it arrived.
        assert inspection.inspected_at < back_online_at <= inspection.received_at
        assert (inspection.rw, inspection.rt) == (2, 1)
    page.get_by_role("link", name="Lihat minggu saya").click()
    expect(page.locator('[data-figure="rt-done"]')).to_have_text("2")
    expect(page.locator('[data-figure="houses"]')).to_have_text("2")
    screens.shot(page, "my week")


def test_a_send_whose_answer_is_lost_is_sent_again_and_counted_once(
    assigned_jumantik: User, live_server: Any, new_page: Any
) -> None:
    # Without the service worker, so the page's own route sees the POST.
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
        service_workers="block",
    )
    sign_in(page, live_server.url, "jumantik-sri", PASSWORD)
    page.goto(f"{live_server.url}/jumantik/periksa/")
    expect(page.locator("[data-location-readout]")).to_have_text("Lokasi ditemukan.")
    posts: list[str] = []

    def lose_first_answer(route: Any) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.headers.get("accept", ""))
        if len(posts) == 1:
            route.fetch()  # the server records it; the phone never hears back
            route.abort()
        else:
            route.continue_()

    page.route("**/jumantik/periksa/", lose_first_answer)
    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RT").click()
    _enter_house(page, "Jl. Kenanga No. 1", larvae=False)
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    expect(page.locator("[data-queue-status]")).to_contain_text("Semua pemeriksaan sudah terkirim.")
    assert len(posts) >= 2
    assert Inspection.objects.filter(address="Jl. Kenanga No. 1").count() == 1


def test_a_coordinator_sees_the_rt_s_houses_and_the_data_quality_findings(
    assigned_jumantik: User, live_server: Any, new_page: Any, screens: Screens
) -> None:
    for address, east in (("Jl. Melati No. 7", 0.0), ("Jl. Melati No. 7", 0.0), ("Jl. Melati No. 8", 0.001)):
        submission = inspection_submission(address=address, rw=2, rt=1, lon=MARGAHAYU[1] + east)
        record_inspection(assigned_jumantik, submission)
    coordinator = User(username="koordinator-wati", role=RoleChoices.JUMANTIK_COORDINATOR, first_name="Wati")
    coordinator.set_password(PASSWORD)
    coordinator.save()
    FieldAssignment.objects.create(user=coordinator, village=Village.objects.get(name="Margahayu"))
    for viewport, name in ((PHONE, "phone"), ({"width": 1920, "height": 1080}, "desktop")):
        page = new_page(viewport=viewport)
        sign_in(page, live_server.url, "koordinator-wati", PASSWORD)
        expect(page).to_have_url(re.compile(r"/jumantik/pengawasan/$"))
        expect(page.locator("tbody tr[data-inspection]")).to_have_count(3)
        screens.shot(page, f"inspections {name}")
        page.get_by_role("link", name="Mutu data").click()
        finding = page.locator('[data-finding-kind="same-house"] [data-finding]')
        expect(finding).to_have_count(1)
        screens.shot(page, f"data quality {name}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finding.get_by_role("link").click()
        expect(page.locator("tbody tr[data-inspection]")).to_have_count(2)
        page.get_by_role("link", name="Target RT").click()
        page.fill("#id_rw", "2")
        page.fill("#id_rt", "1")
        page.fill("#id_houses", "35")
        page.get_by_role("button", name="Simpan target").click()
        expect(page.locator('[data-rt$="-2-1"]')).to_contain_text("35")
        screens.shot(page, f"targets {name}")


def test_a_shared_phone_shows_and_sends_each_jumantik_only_their_own_waiting_houses(
    assigned_jumantik: User, live_server: Any, new_page: Any
) -> None:
    other = User(username="jumantik-budi", role=RoleChoices.JUMANTIK, first_name="Budi")
    other.set_password(PASSWORD)
    other.save()
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": MARGAHAYU[0], "longitude": MARGAHAYU[1]},
        permissions=["geolocation"],
        service_workers="block",
    )
    # The server cannot be reached: every send fails, so Sri's house stays on the phone.
    page.route(
        "**/jumantik/periksa/", lambda route: route.abort() if route.request.method == "POST" else route.continue_()
    )
    sign_in(page, live_server.url, "jumantik-sri", PASSWORD)
    page.goto(f"{live_server.url}/jumantik/periksa/")
    expect(page.locator("[data-location-readout]")).to_have_text("Lokasi ditemukan.")
    page.get_by_role("button", name="Tambah: RW").click()
    page.get_by_role("button", name="Tambah: RT").click()
    _enter_house(page, "Jl. Sri No. 1", larvae=False)
    expect(page.locator("[data-queue-count]")).to_have_text("1")
    page.get_by_role("button", name="Keluar").click()
    page.unroute("**/jumantik/periksa/")
    sign_in(page, live_server.url, "jumantik-budi", PASSWORD)
    expect(page.locator("[data-queue-status]")).to_have_text("Tidak ada pemeriksaan yang menunggu dikirim.")
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    assert "Jl. Sri" not in page.content()
    assert Inspection.objects.count() == 0
    # Back with Sri, the house is sent as hers.
    page.get_by_role("button", name="Keluar").click()
    sign_in(page, live_server.url, "jumantik-sri", PASSWORD)
    expect(page.locator("[data-queue-count]")).to_have_text("0")
    # The count reads 0 from the moment the page is drawn, while the phone's send may still be on its way.
    deadline = time.monotonic() + 30
    while not Inspection.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Inspection.objects.get().jumantik == assigned_jumantik
