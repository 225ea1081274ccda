"""Backup and restore of a whole installation: the database (SQLite online backup / pg_dump), media files, a manifest.

Media files are read and written through Django's default storage, so the same commands work with photos on the
local disk and in an S3-compatible bucket (and restoring a disk backup with the bucket configured moves them there).
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader

MANIFEST = "manifest.json"
MEDIA_DIR = "media"
FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
# Read each table's rows to tell an empty (freshly migrated) database from one in use.
_DATA_TABLES = ("accounts_user", "cases_case")
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message (Bahasa Indonesia) says why and nothing was changed."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    vendor: str
    media_files: int
    media_bytes: int
    database_bytes: int
    outbox_last_id: int


@dataclass(frozen=True)
class RestoreResult:
    vendor: str
    media_files: int
    outbox_last_id: int
    created_at: str


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return sha256_of_stream(stream)


def sha256_of_stream(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Basis data {connection.vendor} tidak didukung; hanya SQLite dan PostgreSQL.")
    return connection.vendor


# --- backup ---------------------------------------------------------------------------------


def create_backup(target: Path) -> BackupResult:
    """Write a backup of this installation into `target` (a new or empty directory).

    The database copy is taken first and is consistent on its own (one snapshot); the media files are copied after
    it, so every photo the copy refers to is there (photos are only ever added). The manifest is written last: a
    directory without one is an interrupted backup and `restore` refuses it.
    """
    vendor = _vendor()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"Folder cadangan {target} sudah berisi berkas; pilih folder baru atau kosong.")
    target.mkdir(parents=True, exist_ok=True)
    # The copy holds every reporter's name and number and every photo: only the account running Patriot opens it.
    target.chmod(0o700)
    database_file = target / DATABASE_FILES[vendor]
    if vendor == "sqlite":
        migrations, outbox_last_id = _backup_sqlite(database_file)
    else:
        migrations, outbox_last_id = _backup_postgresql(database_file)
    media = _copy_media(default_storage, target / MEDIA_DIR)
    database_size = database_file.stat().st_size
    manifest = {
        "format": FORMAT,
        "patriot_version": version("patriot"),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "vendor": vendor,
            "file": database_file.name,
            "size": database_size,
            "sha256": sha256_of(database_file),
        },
        "migrations": migrations,
        "outbox_last_id": outbox_last_id,
        "media": media,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return BackupResult(
        path=target,
        vendor=vendor,
        media_files=len(media),
        media_bytes=sum(entry["size"] for entry in media),
        database_bytes=database_size,
        outbox_last_id=outbox_last_id,
    )


# Read from the copy (SQLite) or inside the dumped snapshot (PostgreSQL), so they describe the backed-up data.
_LATEST_MIGRATIONS_SQL = "SELECT app, MAX(name) FROM django_migrations GROUP BY app"
_OUTBOX_LAST_ID_SQL = "SELECT COALESCE(MAX(id), 0) FROM events_outboxevent"


def _backup_sqlite(destination: Path) -> tuple[dict[str, str], int]:
    # The online backup API copies the live WAL database page by page under a read lock: a consistent snapshot
    # while the web process keeps writing.
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=30)
    copy = sqlite3.connect(str(destination))
    try:
        source.backup(copy)
        # One self-contained file: no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        migrations = dict(copy.execute(_LATEST_MIGRATIONS_SQL).fetchall())
        outbox_last_id = int(copy.execute(_OUTBOX_LAST_ID_SQL).fetchone()[0])
    finally:
        copy.close()
        source.close()
    return migrations, outbox_last_id


def _backup_postgresql(destination: Path) -> tuple[dict[str, str], int]:
    # pg_dump reads the snapshot this transaction exports, so the manifest's migrations and outbox id describe
    # exactly the dumped data.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run_pg_tool("pg_dump", ["--format=custom", f"--snapshot={snapshot}", f"--file={destination}"])
        cursor.execute(_LATEST_MIGRATIONS_SQL)
        migrations = dict(cursor.fetchall())
        cursor.execute(_OUTBOX_LAST_ID_SQL)
        outbox_last_id = int(cursor.fetchone()[0])
    return migrations, outbox_last_id


def _copy_media(storage: Storage, destination: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    destination.mkdir()
    for name in sorted(_stored_names(storage, "")):
        copy = destination / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as stream, copy.open("wb") as written:
            shutil.copyfileobj(stream, written, _CHUNK)
        entries.append({"path": name, "size": copy.stat().st_size, "sha256": sha256_of(copy)})
    return entries


def _stored_names(storage: Storage, folder: str) -> list[str]:
    """Every file under `folder` of the storage, walked with listdir (a bucket lists its keys by prefix)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a media folder that no photo has created yet
        return []
    names = [posixpath.join(folder, name) for name in files]
    for sub in folders:
        names += _stored_names(storage, posixpath.join(folder, sub))
    return names


# --- PostgreSQL client tools ----------------------------------------------------------------


def _server_major() -> int:
    connection.ensure_connection()
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]  # a PostgreSQL connection (checked by the caller); django-stubs types the default alias generically


def _tool_major(path: str) -> int | None:
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True, timeout=30).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(found.group(1)) if found else None


def find_pg_tool(name: str) -> str:
    """The path of `name` (pg_dump, pg_restore) whose major version is at least the server's.

    Debian keeps one set per major version under /usr/lib/postgresql/N/bin; the one on PATH may be older than the
    server, and an older pg_dump refuses a newer server.
    """
    server = _server_major()
    candidates = [f"/usr/lib/postgresql/{server}/bin/{name}"]
    if on_path := shutil.which(name):
        candidates.append(on_path)
    candidates += sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    versions = []
    for candidate in candidates:
        if not Path(candidate).is_file():
            continue
        major = _tool_major(candidate)
        if major is not None and major >= server:
            return candidate
        versions.append(f"{candidate} ({major})")
    found = ", ".join(versions) or "tidak ada"
    raise BackupError(
        f"{name} versi {server} atau lebih baru tidak ditemukan (server PostgreSQL {server}; ditemukan: {found}). "
        f"Pasang postgresql-client-{server}."
    )


def _pg_environment() -> dict[str, str]:
    """libpq's variables from settings.DATABASES: the password travels in the environment, never on a command line
    that `ps` shows."""
    database: Mapping[str, Any] = settings.DATABASES["default"]
    env = {**os.environ, "PGDATABASE": str(database["NAME"]), "PGCONNECT_TIMEOUT": "10"}
    for key, variable in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if database.get(key):
            env[variable] = str(database[key])
    if sslmode := database.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run_pg_tool(name: str, arguments: list[str]) -> None:
    tool = find_pg_tool(name)
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client tool with our own arguments)
        [tool, *arguments], env=_pg_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{name} gagal (kode {result.returncode}): {result.stderr.strip()[-2000:]}")


# --- restore --------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} tidak ada: {source} bukan cadangan Patriot yang lengkap.")
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} tidak dapat dibaca: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} bukan manifes cadangan Patriot format {FORMAT}.")
    return manifest


def verify_backup(source: Path) -> dict[str, Any]:
    """Check the manifest against this installation and every file against its checksum; returns the manifest.

    Reads only: a backup that fails here changes nothing.
    """
    manifest = read_manifest(source)
    vendor = _vendor()
    database = manifest["database"]
    if database.get("vendor") != vendor or database.get("file") != DATABASE_FILES[vendor]:
        raise BackupError(
            f"Cadangan ini dari basis data {database.get('vendor')}, instalasi ini memakai {vendor}; "
            "pulihkan ke instalasi dengan basis data yang sama."
        )
    if not all(_inside(entry["path"]) for entry in manifest["media"]):
        raise BackupError("Manifes cadangan memuat jalur berkas di luar folder media; cadangan ditolak.")
    files = [(database["file"], database), *((f"{MEDIA_DIR}/{entry['path']}", entry) for entry in manifest["media"])]
    for relative, entry in files:
        path = source / relative
        if not _inside(relative) or not path.is_file():
            raise BackupError(f"Berkas cadangan {relative} hilang.")
        if path.stat().st_size != entry["size"] or sha256_of(path) != entry["sha256"]:
            raise BackupError(f"Berkas cadangan {relative} rusak: checksum tidak cocok dengan manifes.")
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known)
    if unknown:
        raise BackupError(
            f"Cadangan dibuat oleh Patriot yang lebih baru (migrasi tidak dikenal: {', '.join(unknown)}); "
            "pasang versi Patriot yang sama atau lebih baru sebelum memulihkan."
        )
    return manifest


def _inside(relative: str) -> bool:
    """A manifest path stays inside the backup and the media folder (no absolute path, no `..`)."""
    path = Path(relative)
    return not path.is_absolute() and ".." not in path.parts


def _database_in_use() -> bool:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in _DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 (fixed names)
                if cursor.fetchone():
                    return True
    return False


def restore_backup(source: Path, *, replace: bool = False) -> RestoreResult:
    """Bring the database and media files of the backup in `source` into this installation.

    Everything is verified first. A database that already holds accounts or reports is only overwritten with
    `replace`. The database is restored in one step (SQLite's backup API / one pg_restore transaction), then the
    media files into the default storage under their own names (a file already there is replaced), so a restore
    interrupted half-way can simply be run again.
    """
    manifest = verify_backup(source)
    if not replace and _database_in_use():
        raise BackupError(
            "Basis data tujuan sudah berisi akun atau laporan; pulihkan ke instalasi baru, "
            "atau pakai --replace untuk menimpanya."
        )
    database_file = source / manifest["database"]["file"]
    if manifest["database"]["vendor"] == "sqlite":
        _restore_sqlite(database_file)
    else:
        _restore_postgresql(database_file)
    _restore_media(source / MEDIA_DIR, manifest["media"], default_storage)
    return RestoreResult(
        vendor=manifest["database"]["vendor"],
        media_files=len(manifest["media"]),
        outbox_last_id=int(manifest["outbox_last_id"]),
        created_at=str(manifest["created_at"]),
    )


def _restore_sqlite(database_file: Path) -> None:
    connections.close_all()
    target = Path(settings.DATABASES["default"]["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database_file}?mode=ro", uri=True)
    live = sqlite3.connect(str(target), timeout=30)
    try:
        # The backup API replaces every page of the live database under its write lock, in WAL mode as well.
        source.backup(live)
    finally:
        live.close()
        source.close()


def _restore_postgresql(database_file: Path) -> None:
    connections.close_all()
    _run_pg_tool(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={settings.DATABASES['default']['NAME']}",
            str(database_file),
        ],
    )


def _restore_media(source: Path, entries: list[dict[str, Any]], storage: Storage) -> None:
    for entry in entries:
        name = entry["path"]
        # Storage.save never overwrites (it would pick another name): the old copy goes first.
        storage.delete(name)
        with (source / name).open("rb") as stream:
            saved = storage.save(name, File(stream))
        if saved != name:
            raise BackupError(f"Berkas media {name} tersimpan sebagai {saved}; pemulihan berhenti.")
