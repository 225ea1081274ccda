"""Photo intake: EXIF (GPS!) stripped, only real JPEG/PNG/WebP accepted, size and pixel limits, nothing half-stored."""

from __future__ import annotations

import io
import struct
import threading
import zlib
from functools import lru_cache
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from patriot.cases import photos, services
from patriot.cases.models import Attachment, Case, TimelineEntry
from patriot.cases.photos import clean_photo
from patriot.core.errors import InvalidInput
from patriot.events.models import OutboxEvent
from tests.factories import jpeg_bytes, make_case, make_category, photo, png_bytes, webp_bytes

GPS_IFD = 0x8825


def opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@lru_cache(maxsize=4)
def bilevel_png(width: int, height: int) -> bytes:
    """A genuine 1-bit PNG of all-black rows: a few kilobytes that decompress to width × height pixels."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000))
    body += compressor.compress(row * (height % 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", body) + _png_chunk(b"IEND", b"")


# --- what comes out ---------------------------------------------------------------------------


def test_exif_and_gps_are_gone_after_cleaning() -> None:
    original = jpeg_bytes(exif_gps=True)
    assert opened(original).getexif().get_ifd(GPS_IFD), "the test photo must carry GPS to begin with"

    cleaned = clean_photo(io.BytesIO(original), name="rumah.jpg")

    output = opened(cleaned.content)
    assert output.format == "JPEG"
    assert dict(output.getexif()) == {}
    assert output.getexif().get_ifd(GPS_IFD) == {}
    assert b"Exif" not in cleaned.content
    assert b"PhoneMaker" not in cleaned.content
    assert (cleaned.width, cleaned.height, cleaned.content_type) == (64, 48, "image/jpeg")


def test_orientation_is_applied_before_exif_is_dropped() -> None:
    # Orientation 6: the camera was held upright, the pixels are stored on their side.
    cleaned = clean_photo(io.BytesIO(jpeg_bytes(40, 20, exif_gps=False, orientation=6)))
    assert (cleaned.width, cleaned.height) == (20, 40)
    assert opened(cleaned.content).size == (20, 40)


def test_png_with_alpha_is_flattened_onto_white() -> None:
    cleaned = clean_photo(io.BytesIO(png_bytes(32, 32, alpha=True)), name="layar.png")
    output = opened(cleaned.content)
    assert (output.format, output.mode) == ("JPEG", "RGB")
    transparent = output.getpixel((2, 16))
    opaque = output.getpixel((30, 16))
    assert all(channel > 240 for channel in transparent)
    assert opaque[1] > 90 and opaque[0] < 40


def test_webp_is_accepted_and_re_encoded_as_jpeg() -> None:
    cleaned = clean_photo(io.BytesIO(webp_bytes(32, 24)), name="foto.webp")
    assert opened(cleaned.content).format == "JPEG"
    assert (cleaned.width, cleaned.height) == (32, 24)


def test_camera_jpeg_with_extra_frames_is_accepted_as_its_first_frame() -> None:
    # Many phones and cameras append a second JPEG (a large preview, a depth map) with an MPF header;
    # Pillow calls such a .jpg "MPO". Only the first frame may survive the re-encoding.
    output = io.BytesIO()
    Image.new("RGB", (30, 20), (200, 0, 0)).save(
        output, format="MPO", save_all=True, append_images=[Image.new("RGB", (30, 20), (0, 0, 200))]
    )
    assert opened(output.getvalue()).format == "MPO"
    cleaned = clean_photo(io.BytesIO(output.getvalue()), name="kamera.jpg")
    result = opened(cleaned.content)
    assert (result.format, getattr(result, "n_frames", 1), result.size) == ("JPEG", 1, (30, 20))
    assert result.getpixel((15, 10))[0] > 150
    assert b"MPF" not in cleaned.content


def test_large_photo_is_scaled_down_to_the_maximum_edge() -> None:
    cleaned = clean_photo(io.BytesIO(jpeg_bytes(3000, 1500, exif_gps=False)))
    assert (cleaned.width, cleaned.height) == (photos.MAX_EDGE, photos.MAX_EDGE // 2)


def jpeg_segments(content: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the scan: what a JPEG carries besides its pixels."""
    assert content[:2] == b"\xff\xd8"
    segments, at = [], 2
    while at < len(content):
        assert content[at] == 0xFF
        marker = content[at + 1]
        length = struct.unpack(">H", content[at + 2 : at + 4])[0]
        segments.append((marker, content[at + 4 : at + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded pixels follow
            break
        at += 2 + length
    return segments


# Quantisation and Huffman tables, the frame header (baseline or progressive), the scan header, restart interval.
PIXEL_SEGMENTS = {0xDB, 0xC4, 0xC0, 0xC1, 0xC2, 0xDA, 0xDD}
SECRET = "Rumah Pak Budi, Jl. Melati 7"


def _with_metadata(kind: str) -> bytes:
    image = Image.new("RGB", (64, 48), (200, 60, 30))
    output = io.BytesIO()
    exif = Image.Exif()
    exif[0x010E] = SECRET  # ImageDescription
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{SECRET}</x:xmpmeta>'.encode()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    if kind == "jpeg":
        image.save(output, "JPEG", comment=SECRET.encode(), exif=exif, xmp=xmp, icc_profile=icc)
    elif kind == "png":
        info = PngImagePlugin.PngInfo()
        info.add_text("comment", SECRET)
        info.add_itxt("Description", SECRET)
        info.add_text("XML:com.adobe.xmp", xmp.decode(), zip=True)
        image.save(output, "PNG", pnginfo=info, exif=exif, icc_profile=icc)
    else:
        image.save(output, "WEBP", exif=exif, xmp=xmp, icc_profile=icc)
    return output.getvalue()


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
def test_no_metadata_segment_survives(kind: str) -> None:
    original = _with_metadata(kind)
    assert SECRET.encode() in original or kind == "png", "the test photo must carry the secret to begin with"
    cleaned = clean_photo(io.BytesIO(original), name=f"foto.{kind}").content
    segments = jpeg_segments(cleaned)
    extra = [(hex(marker), payload[:12]) for marker, payload in segments if marker not in PIXEL_SEGMENTS]
    # Only the JFIF header (APP0: version and pixel density) may remain: no COM, no APP1 EXIF/XMP, no APP2 ICC.
    assert extra == [("0xe0", b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01")]
    assert SECRET.encode() not in cleaned
    assert b"\xff\xfe" not in cleaned.split(b"\xff\xda")[0]
    assert opened(cleaned).info.keys() <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_a_stored_photo_carries_no_comment(_media_root: Path) -> None:
    case = make_case(make_category(), photos=[("komentar.jpg", io.BytesIO(_with_metadata("jpeg")))])
    stored = Attachment.objects.get(case=case).file.read()
    assert SECRET.encode() not in stored
    assert {marker for marker, _ in jpeg_segments(stored)} <= PIXEL_SEGMENTS | {0xE0}


@pytest.mark.parametrize("size", [(8000, 6000), (5760, 4320)])
def test_a_phone_jpeg_over_the_pixel_cap_is_decoded_at_a_reduced_scale(size: tuple[int, int]) -> None:
    # 48 and 25 Mpx, phones' full-resolution modes: decoded at half scale, then scaled to the edge.
    assert size[0] * size[1] > photos.MAX_PIXELS
    output = io.BytesIO()
    Image.new("RGB", size, (90, 90, 90)).save(output, "JPEG", quality=50)
    cleaned = clean_photo(io.BytesIO(output.getvalue()), name="hp.jpg")
    assert (cleaned.width, cleaned.height) == (photos.MAX_EDGE, photos.MAX_EDGE * 3 // 4)


def test_a_png_claiming_49_megapixels_is_refused_from_its_header() -> None:
    bomb = bilevel_png(7000, 7000)
    assert len(bomb) < 100_000
    with pytest.raises(InvalidInput) as refused:
        clean_photo(io.BytesIO(bomb), name="bom.png")
    assert refused.value.code == "photo_pixels"
    assert "20 megapiksel" in refused.value.message


def test_decodes_wait_for_a_free_slot(monkeypatch: pytest.MonkeyPatch) -> None:
    slots = threading.BoundedSemaphore(1)
    monkeypatch.setattr(photos, "_decode_slots", slots)
    monkeypatch.setattr(photos, "DECODE_WAIT_SECONDS", 0.1)
    slots.acquire()
    try:
        with pytest.raises(photos.PhotoServiceBusy) as busy:
            clean_photo(io.BytesIO(jpeg_bytes(exif_gps=False)))
        assert busy.value.code == "photo_busy"
    finally:
        slots.release()
    assert clean_photo(io.BytesIO(jpeg_bytes(exif_gps=False))).width == 64


# --- what is refused --------------------------------------------------------------------------


def _gif() -> bytes:
    output = io.BytesIO()
    Image.new("P", (16, 16)).save(output, format="GIF")
    return output.getvalue()


def _truncated_jpeg() -> bytes:
    content = jpeg_bytes(200, 200, exif_gps=False, noise=True)
    return content[: len(content) * 6 // 10]


@pytest.mark.parametrize(
    ("name", "make_content", "code"),
    [
        ("animasi.gif", _gif, "photo_type"),
        ("surat.jpg", lambda: b"Ini bukan foto, hanya teks biasa.\n" * 20, "photo_type"),
        ("terpotong.jpg", _truncated_jpeg, "photo_corrupt"),
        ("besar.jpg", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * (11 * 1024 * 1024), "photo_too_large"),
        ("kosong.jpg", lambda: b"", "photo_empty"),
        # 8000 × 8000 = 64 Mpx: under Pillow's own bomb limit, over ours.
        ("bom-kecil.png", lambda: bilevel_png(8000, 8000), "photo_pixels"),
        # 20000 × 20000 = 400 Mpx in about 50 kB: Pillow itself refuses to open it.
        ("bom.png", lambda: bilevel_png(20000, 20000), "photo_type"),
    ],
)
def test_bad_files_are_refused(name: str, make_content: object, code: str) -> None:
    content = make_content()  # type: ignore[operator]
    with pytest.raises(InvalidInput) as refused:
        clean_photo(io.BytesIO(content), name=name)
    assert refused.value.code == code
    assert refused.value.field == "photos"
    assert name in refused.value.message


def test_the_decompression_bomb_is_small_on_disk() -> None:
    assert len(bilevel_png(20000, 20000)) < 200_000
    assert opened(bilevel_png(300, 200)).size == (300, 200)


def test_pixel_limit_is_checked_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    clean_photo(io.BytesIO(jpeg_bytes(100, 100, exif_gps=False)))
    with pytest.raises(InvalidInput) as refused:
        clean_photo(io.BytesIO(jpeg_bytes(101, 100, exif_gps=False)))
    assert refused.value.code == "photo_pixels"


# --- through the services ---------------------------------------------------------------------


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_stored_report_photo_has_no_exif(_media_root: Path) -> None:
    case = make_case(make_category(), photos=[photo("rumah.jpg", exif_gps=True)])
    attachment = Attachment.objects.get(case=case)
    files = stored_files(_media_root)
    assert len(files) == 1
    assert attachment.file.name.startswith(f"cases/{case.created_at:%Y/%m}/{case.tracking_number}/")
    stored = files[0].read_bytes()
    assert dict(opened(stored).getexif()) == {}
    assert attachment.size_bytes == len(stored)


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_six_photos_are_refused_and_nothing_is_stored(_media_root: Path) -> None:
    category = make_category()
    with pytest.raises(InvalidInput) as refused:
        make_case(category, photos=[photo(f"foto-{i}.jpg") for i in range(6)])
    assert refused.value.code == "too_many_photos"
    assert Case.objects.count() == Attachment.objects.count() == TimelineEntry.objects.count() == 0
    assert OutboxEvent.objects.count() == 0
    assert stored_files(_media_root) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_one_bad_photo_among_five_stores_nothing(_media_root: Path) -> None:
    category = make_category()
    batch = [photo(f"foto-{i}.jpg") for i in range(4)] + [("rusak.jpg", io.BytesIO(_truncated_jpeg()))]
    with pytest.raises(InvalidInput) as refused:
        make_case(category, photos=batch)
    assert "rusak.jpg" in refused.value.message
    assert Case.objects.count() == Attachment.objects.count() == 0
    assert stored_files(_media_root) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("areas")
def test_add_photos_respects_the_per_case_limit(_media_root: Path) -> None:
    case = make_case(make_category(), photos=[photo(f"foto-{i}.jpg") for i in range(4)])
    with pytest.raises(InvalidInput):
        services.add_photos(case, photos=[photo("a.jpg"), photo("b.jpg")], reporter=True)
    assert len(stored_files(_media_root)) == 4
    services.add_photos(case, photos=[photo("c.jpg")], reporter=True)
    assert Attachment.objects.filter(case=case).count() == 5
    assert len(stored_files(_media_root)) == 5
