"""Issue 14 item 10: a URC proof photo's capture time and its distance from the case are read from the EXIF before
it is stripped, stored, and shown to staff with flags for a photo taken far away or long before."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image, TiffImagePlugin

from patriot.accounts.choices import RoleChoices
from patriot.cases import services
from patriot.cases.choices import AttachmentKindChoices, CaseStateChoices
from patriot.cases.models import Attachment
from patriot.cases.photos import clean_photo, read_capture
from tests.factories import case_through, make_agency, make_team, photo, staff

pytestmark = pytest.mark.usefixtures("areas")
JAKARTA = ZoneInfo("Asia/Jakarta")


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(seconds, 100),
    )


def camera_jpeg(*, taken: datetime | None, lat: float | None, lon: float | None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if taken is not None:
        exif.get_ifd(0x8769)[0x9003] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if lat is not None and lon is not None:
        exif[0x8825] = {1: "S" if lat < 0 else "N", 2: _dms(lat), 3: "E" if lon > 0 else "W", 4: _dms(lon)}
    output = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(output, format="JPEG", exif=exif.tobytes())
    return output.getvalue()


def _resolve(case: object, data: bytes) -> Attachment:
    urc = staff(RoleChoices.URC_OFFICER, team=case.team)  # type: ignore[attr-defined]
    services.resolve_case(case, by=urc, note="Sudah ditambal.", proof_photos=[("bukti.jpg", io.BytesIO(data))])  # type: ignore[arg-type]
    return Attachment.objects.get(case=case, kind=AttachmentKindChoices.PROOF_PHOTO)


@pytest.fixture
def started() -> object:
    agency = make_agency("dbmsda")
    return case_through(CaseStateChoices.IN_PROGRESS, agency=agency, team=make_team(agency, "urc-jalan"))


def test_capture_is_read_before_the_metadata_is_stripped() -> None:
    taken = datetime(2026, 12, 5, 14, 30, tzinfo=JAKARTA)
    data = camera_jpeg(taken=taken, lat=-6.2511, lon=107.0043)
    clean = clean_photo(io.BytesIO(data), name="bukti.jpg")
    assert clean.capture.taken_at == taken
    assert clean.capture.latitude == pytest.approx(-6.2511, abs=1e-5)
    assert clean.capture.longitude == pytest.approx(107.0043, abs=1e-5)
    # The stored photo carries none of it.
    with Image.open(io.BytesIO(clean.content)) as stored:
        assert not stored.getexif()
        assert read_capture(stored).taken_at is None


def test_a_nearby_recent_proof_photo_is_stored_and_not_flagged(started: object) -> None:
    now = timezone.now()
    lat, lon = started.latitude, started.longitude  # type: ignore[attr-defined]
    attachment = _resolve(started, camera_jpeg(taken=now.astimezone(JAKARTA), lat=lat + 0.0003, lon=lon))
    assert attachment.distance_m == pytest.approx(33, abs=4)
    assert attachment.taken_at is not None and abs(attachment.taken_at - now) < timedelta(seconds=2)
    page = _page(started)
    assert 'data-proof-flags=""' in page and " m dari lokasi laporan" in page


def test_a_photo_taken_3_km_away_last_month_is_flagged_for_staff(started: object) -> None:
    lat, lon = started.latitude, started.longitude  # type: ignore[attr-defined]
    last_month = (timezone.now() - timedelta(days=30)).astimezone(JAKARTA)
    attachment = _resolve(started, camera_jpeg(taken=last_month, lat=lat + 0.027, lon=lon))
    assert attachment.distance_m == pytest.approx(3000, rel=0.02)
    page = _page(started)
    assert 'data-proof-flags="far old"' in page
    assert "3,0 km dari lokasi laporan" in page and "Diambil lebih dari 500 m dari lokasi laporan" in page
    # The public never sees the check.
    public = Client().get(f"/lacak/{started.tracking_number}/").content.decode()  # type: ignore[attr-defined]
    assert "data-proof-flags" not in public and "dari lokasi laporan" not in public


def test_a_photo_without_exif_says_so(started: object) -> None:
    attachment = _resolve(started, photo(exif_gps=False)[1].getvalue())
    assert attachment.taken_at is None and attachment.distance_m is None
    page = _page(started)
    assert "Lokasi GPS tidak tercatat di foto" in page and 'data-proof-flags=""' in page


def test_thresholds_are_settings(started: object, settings: object) -> None:
    settings.PATRIOT_PROOF_MAX_DISTANCE_M = 20  # type: ignore[attr-defined]
    lat, lon = started.latitude, started.longitude  # type: ignore[attr-defined]
    _resolve(started, camera_jpeg(taken=None, lat=lat + 0.0003, lon=lon))
    assert 'data-proof-flags="far"' in _page(started)


def _page(case: object) -> str:
    client = Client()
    client.force_login(staff(RoleChoices.AGENCY_OFFICER, agency=case.agency))  # type: ignore[attr-defined]
    response = client.get(f"/opd/laporan/{case.tracking_number}/")  # type: ignore[attr-defined]
    assert response.status_code == 200
    return response.content.decode()
