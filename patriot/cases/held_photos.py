"""Photos a citizen chose for a report that was refused (a missing field): kept server-side under a signed token.

A browser cannot put files back into a file input, so a failed submit would lose the photos. The refused form's
photos are checked and re-encoded (photos.clean_photo, no metadata survives), stored under a random folder, and
the form carries a signed token naming them; the next submit of that form attaches them. Held photos are deleted
once the report is filed, or by the purge job after HOLD_SECONDS. Each held file also gets a HeldPhotoFile row
with its time, so the purge needs only the storage's delete(): a storage may have no listdir (Django's Storage
leaves it unimplemented), and a walk of the folder would then find nothing.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from patriot.cases.models import HeldPhotoFile
from patriot.cases.photos import MAX_PHOTOS_PER_CASE, clean_photo
from patriot.core.errors import DomainError

FOLDER = "held-photos"
HOLD_SECONDS = 24 * 3600
_SALT = "patriot.cases.held-photos"


@dataclass(frozen=True)
class HeldPhoto:
    path: str
    name: str


def _checked(name: str) -> str:
    # Only paths this module wrote: FOLDER/<hex>/<n>.jpg.
    parts = name.split("/")
    if len(parts) != 3 or parts[0] != FOLDER or not parts[1].isalnum() or not parts[2].removesuffix(".jpg").isdigit():
        raise signing.BadSignature("not a held photo")
    return name


def read_token(token: str | None) -> list[HeldPhoto]:
    """The photos a token names (an empty list for no token, a forged, expired or vanished one)."""
    if not token:
        return []
    try:
        entries = signing.loads(token, salt=_SALT, max_age=HOLD_SECONDS)
        held = [HeldPhoto(path=_checked(str(path)), name=str(name)[:120]) for path, name in entries]
    except (signing.BadSignature, TypeError, ValueError):
        return []
    return [photo for photo in held if default_storage.exists(photo.path)][:MAX_PHOTOS_PER_CASE]


def hold(uploads: list[tuple[str, IO[bytes]]], already: list[HeldPhoto]) -> tuple[str, list[HeldPhoto], list[str]]:
    """Keep the uploads beside those already held; returns the new token, all held photos and refusals in words.

    A photo the checks refuse is not kept (its message says why); photos beyond the per-report limit are not kept.
    """
    held = list(already)
    problems: list[str] = []
    folder = f"{FOLDER}/{secrets.token_hex(12)}"
    for name, stream in uploads:
        if len(held) >= MAX_PHOTOS_PER_CASE:
            break
        try:
            photo = clean_photo(stream, name=name)
        except DomainError as error:
            problems.append(error.message)
            continue
        # Recorded before the file is written: a file the purge does not know of is never left behind.
        record = HeldPhotoFile.objects.create(path=f"{folder}/{len(held)}.jpg", held_at=timezone.now())
        path = default_storage.save(record.path, ContentFile(photo.content))
        if path != record.path:  # the storage chose another name (it never should in a fresh random folder)
            HeldPhotoFile.objects.filter(pk=record.pk).update(path=path)
        held.append(HeldPhoto(path=path, name=name or f"foto-{len(held) + 1}.jpg"))
    return token_for(held), held, problems


def token_for(held: list[HeldPhoto]) -> str:
    return signing.dumps([[photo.path, photo.name] for photo in held], salt=_SALT) if held else ""


def uploads(held: list[HeldPhoto]) -> list[tuple[str, Any]]:
    """The held photos as (name, stream) pairs for services.create_case."""
    result: list[tuple[str, Any]] = []
    for photo in held:
        with default_storage.open(photo.path, "rb") as stored:
            result.append((photo.name, io.BytesIO(stored.read())))
    return result


def discard(held: list[HeldPhoto]) -> None:
    for photo in held:
        default_storage.delete(photo.path)
    HeldPhotoFile.objects.filter(path__in=[photo.path for photo in held]).delete()


def purge_expired(now: Any = None) -> int:
    """Delete held photos older than HOLD_SECONDS (their tokens no longer open them); returns how many.

    The HeldPhotoFile rows name them, whatever the storage; a storage that can list its folders is also walked,
    for files held before those rows existed."""
    cutoff = (now or timezone.now()) - timedelta(seconds=HOLD_SECONDS + 3600)
    removed = 0
    expired = list(HeldPhotoFile.objects.filter(held_at__lt=cutoff).values_list("pk", "path"))
    for _pk, path in expired:
        if default_storage.exists(path):
            default_storage.delete(path)
            removed += 1
    HeldPhotoFile.objects.filter(pk__in=[pk for pk, _path in expired]).delete()
    return removed + _purge_unrecorded(cutoff)


def _purge_unrecorded(cutoff: Any) -> int:
    """Held files without a row (written before HeldPhotoFile existed), found by listing when the storage can."""
    removed = 0
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except (FileNotFoundError, NotImplementedError):
        return 0
    recorded = set(HeldPhotoFile.objects.values_list("path", flat=True))
    for folder in folders:
        _dirs, files = default_storage.listdir(f"{FOLDER}/{folder}")
        for name in files:
            path = f"{FOLDER}/{folder}/{name}"
            if path not in recorded and default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed
