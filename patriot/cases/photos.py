"""Photo intake: only real JPEG/PNG/WebP images, re-encoded as JPEG so no metadata (EXIF GPS) survives."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from patriot.core.errors import InvalidInput

MAX_PHOTOS_PER_CASE = 5
MAX_PHOTO_BYTES = 10 * 1024 * 1024
# Larger than any phone camera; a decompression bomb claims far more pixels than it has bytes.
MAX_PIXELS = 50_000_000
MAX_EDGE = 2560
# Pillow names a JPEG that carries extra frames (a camera's preview or depth map) "MPO"; it is still a
# phone's .jpg, and the re-encoding keeps only the first frame.
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}


@dataclass(frozen=True)
class CleanPhoto:
    content: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"
    extension: str = "jpg"


def clean_photo(stream: IO[bytes], *, name: str = "") -> CleanPhoto:
    """Check and re-encode one uploaded photo; raises InvalidInput with a message naming the file."""
    label = name or _("foto")
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
                if probe.width * probe.height > MAX_PIXELS:
                    raise InvalidInput(
                        _("Foto %(name)s terlalu besar resolusinya.") % {"name": label},
                        code="photo_pixels",
                        field="photos",
                    )
                probe.verify()
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
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

    if upright.mode in ("RGBA", "LA", "P"):
        rgba = upright.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        upright = flattened
    elif upright.mode != "RGB":
        upright = upright.convert("RGB")
    upright.thumbnail((MAX_EDGE, MAX_EDGE))
    output = io.BytesIO()
    # No exif= and no icc_profile=: the new file carries pixels only.
    upright.save(output, format="JPEG", quality=85, optimize=True)
    return CleanPhoto(content=output.getvalue(), width=upright.width, height=upright.height)
