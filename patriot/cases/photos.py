"""Photo intake: only real JPEG/PNG/WebP images, re-encoded as JPEG carrying pixels and nothing else."""

from __future__ import annotations

import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from patriot.core.errors import DomainError, InvalidInput, RateLimited
from patriot.core.ratelimit import hit

MAX_PHOTOS_PER_CASE = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# The most pixels one photo may decode to (20 Mpx is 80 MB as RGBA, about 210 MB while it is scaled down). A
# phone's 48, 50 or 64 Mpx JPEG still fits: a JPEG is decoded at a reduced scale when that is still larger than the
# stored photo. A decompression bomb claims far more pixels than it has bytes: the header's claim is checked
# before anything is decoded.
MAX_PIXELS = 20_000_000
MAX_EDGE = 2560
# Pillow names a JPEG that carries extra frames (a camera's preview or depth map) "MPO"; it is still a
# phone's .jpg, and the re-encoding keeps only the first frame.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}
DECODE_WAIT_SECONDS = 60

_decode_slots = threading.BoundedSemaphore(max(1, settings.PATRIOT_IMAGE_DECODES_PER_PROCESS))


class PhotoServiceBusy(DomainError):
    status_code = 503


@dataclass(frozen=True)
class Capture:
    """Where and when the camera says the photo was taken (EXIF DateTimeOriginal and GPS), read before the metadata
    is stripped; None where the photo does not say."""

    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"
    extension: str = "jpg"
    capture: Capture = Capture()


_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL, _DATETIME = 0x9003, 0x9011, 0x0132


def _gps_degrees(value: object, ref: object, negative: str) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    if result != result:  # NaN from a 0/0 rational
        return None
    return -result if str(ref).strip().upper() == negative else result


def _taken_at(exif: Image.Exif) -> datetime | None:
    details = exif.get_ifd(_EXIF_IFD)
    stamp = details.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if not stamp:
        return None
    try:
        moment = datetime.strptime(str(stamp).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    # A phone that writes no offset writes the local time: the city's.
    zone: tzinfo = ZoneInfo(settings.TIME_ZONE)
    offset = str(details.get(_OFFSET_TIME_ORIGINAL) or "").strip("\x00 ")
    if offset:
        with suppress(ValueError):
            zone = datetime.strptime(offset, "%z").tzinfo or zone
    return moment.replace(tzinfo=zone)


def read_capture(image: Image.Image) -> Capture:
    """The capture time and GPS position an image's EXIF names; an empty Capture when it names none or is garbled."""
    try:
        exif = image.getexif()
        gps = exif.get_ifd(_GPS_IFD)
        latitude = _gps_degrees(gps.get(2), gps.get(1), "S") if gps.get(2) else None
        longitude = _gps_degrees(gps.get(4), gps.get(3), "W") if gps.get(4) else None
        if latitude is None or longitude is None or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            latitude = longitude = None
        return Capture(taken_at=_taken_at(exif), latitude=latitude, longitude=longitude)
    except Exception:  # metadata is a hint: a garbled EXIF block never refuses the photo
        return Capture()


def check_photo_rate(address: str, account_id: int | None) -> None:
    """Count one request that adds photos to a case; RateLimited once the address or account is over its limit."""
    limit = settings.PATRIOT_PHOTO_RATE_PER_MINUTE
    if not hit("photos", address, limit) or (
        account_id is not None and not hit("photos-account", str(account_id), limit)
    ):
        raise RateLimited(
            _("Terlalu banyak kiriman foto dalam satu menit. Tunggu sebentar lalu kirim lagi."),
            retry_after=60,
            field="photos",
        )


@contextmanager
def _decode_slot() -> Iterator[None]:
    """At most PATRIOT_IMAGE_DECODES_PER_PROCESS decodes at once, so parallel uploads cannot add up in memory."""
    if not _decode_slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise PhotoServiceBusy(
            _("Server sedang sibuk memproses foto. Coba lagi sebentar lagi."), code="photo_busy", field="photos"
        )
    try:
        yield
    finally:
        _decode_slots.release()


def clean_photo(stream: IO[bytes], *, name: str = "") -> CleanPhoto:
    """Check and re-encode one uploaded photo; raises InvalidInput with a message naming the file."""
    label = name or _("foto")
    with _decode_slot():
        return _clean(stream, label)


def _clean(stream: IO[bytes], label: str) -> CleanPhoto:
    raw = stream.read(MAX_PHOTO_BYTES + 1)
    if len(raw) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            _("Foto %(name)s lebih besar dari 10 MB.") % {"name": label}, code="photo_too_large", field="photos"
        )
    if not raw:
        raise InvalidInput(_("Foto %(name)s kosong.") % {"name": label}, code="photo_empty", field="photos")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise InvalidInput(
                        _("Berkas %(name)s bukan foto JPEG, PNG atau WebP.") % {"name": label},
                        code="photo_type",
                        field="photos",
                    )
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                capture = read_capture(image)  # before the metadata is left behind below
                if image.format in ("JPEG", "MPO"):
                    # Decode at 1/2, 1/4 or 1/8 scale while that is still larger than the stored photo: this
                    # changes only what load() will decode.
                    image.draft("RGB", _stored_size(image.size))
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidInput(
                        _("Foto %(name)s terlalu besar resolusinya (paling banyak %(megapixels)d megapiksel).")
                        % {"name": label, "megapixels": MAX_PIXELS // 1_000_000},
                        code="photo_pixels",
                        field="photos",
                    )
                image.load()
                small = _reduced(image)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise InvalidInput(
            _("Berkas %(name)s bukan foto JPEG, PNG atau WebP yang dapat dibaca.") % {"name": label},
            code="photo_type",
            field="photos",
        ) from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidInput(
            _("Foto %(name)s rusak dan tidak dapat dibaca.") % {"name": label}, code="photo_corrupt", field="photos"
        ) from error
    # A new image from the pixels alone: the original's info (JPEG COM, XMP, ICC, EXIF, PNG text) stays behind,
    # whatever Pillow's encoder would otherwise carry over.
    bare = Image.new("RGB", small.size)
    bare.paste(small)
    output = io.BytesIO()
    bare.save(output, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(content=output.getvalue(), width=bare.width, height=bare.height, capture=capture)


def _stored_size(size: tuple[int, int]) -> tuple[int, int]:
    """The size the photo is stored at: its longer side at most MAX_EDGE, the shape kept."""
    scale = min(1.0, MAX_EDGE / max(size))
    return max(1, int(size[0] * scale)), max(1, int(size[1] * scale))


def _reduced(image: Image.Image) -> Image.Image:
    """The photo at most MAX_EDGE on each side, upright, in RGB; scaled first so no full-size copy is made."""
    if image.mode == "P":
        image = image.convert("RGBA")
    # A square bound, so scaling before turning the photo upright gives the same size; thumbnail() keeps the EXIF.
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    upright = ImageOps.exif_transpose(image)
    if upright.mode in ("RGBA", "LA", "PA"):
        rgba = upright.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return upright.convert("RGB") if upright.mode != "RGB" else upright
