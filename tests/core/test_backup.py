"""`patriot backup` / `patriot restore`: the drill (fill, back up, destroy, restore, compare) and the refusals.

Each test drives a scratch installation of its own through the real `patriot` command in subprocesses: a SQLite
file in a temp folder in the SQLite run, a scratch database beside the test database in the PostgreSQL run. The
test database is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from patriot.core import backup
from patriot.core.backup import sha256_of

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 600


def _postgres_url() -> str | None:
    url = os.environ.get("PATRIOT_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@dataclass
class Installation:
    """One scratch Patriot: its own database and media folder, driven through subprocesses."""

    root: Path
    database_url: str
    admin_url: str | None  # PostgreSQL: the server's maintenance database, to drop and create the scratch one

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PATRIOT_")}
        return {
            **env,
            "DJANGO_SETTINGS_MODULE": "patriot.settings",
            "PATRIOT_DATABASE_URL": self.database_url,
            "PATRIOT_MEDIA_ROOT": str(self.media),
            "PATRIOT_VAR_DIR": str(self.root / "var"),
            "PATRIOT_SECRET_KEY": "backup-drill",
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 (our own interpreter)
            [sys.executable, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=TIMEOUT
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def patriot(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "patriot", *args, check=check)

    def snapshot(self) -> dict[str, Any]:
        return json.loads(self.run("-m", "tests.core.backup_drill", "snapshot").stdout)

    def create_database(self) -> None:
        if self.admin_url is None:
            (self.root / "db").mkdir(exist_ok=True)
            return
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self._pg_name}"')

    def destroy(self) -> None:
        """Lose everything: the database and every media file."""
        shutil.rmtree(self.media, ignore_errors=True)
        if self.admin_url is None:
            shutil.rmtree(self.root / "db")
            return
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')

    @property
    def _pg_name(self) -> str:
        return self.database_url.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    root = tmp_path_factory.mktemp("installation")
    base = _postgres_url()
    if base is None:
        found = Installation(root, f"sqlite:///{root / 'db' / 'patriot.sqlite3'}", None)
    else:
        server = base.rsplit("/", 1)[0]
        name = f"{base.rsplit('/', 1)[1]}_drill_{uuid.uuid4().hex[:8]}"
        found = Installation(root, f"{server}/{name}", f"{server}/postgres")
    found.create_database()
    try:
        yield found
    finally:
        if found.admin_url is not None:
            found.destroy()


@dataclass(frozen=True)
class Filled:
    installation: Installation
    backup: Path
    before: dict[str, Any]


@pytest.fixture(scope="module")
def filled(installation: Installation, tmp_path_factory: pytest.TempPathFactory) -> Filled:
    """An installation holding cases with photos, calls, citizens, notifications and access-audit rows, backed up."""
    installation.patriot("migrate", "--verbosity", "0")
    installation.run("-m", "tests.core.backup_drill", "fill")
    before = installation.snapshot()
    target = tmp_path_factory.mktemp("backups") / "nightly"
    installation.patriot("backup", str(target))
    return Filled(installation, target, before)


def test_the_fill_has_every_kind_of_row(filled: Filled) -> None:
    tables = filled.before["tables"]
    for table in (
        "cases_case",
        "cases_attachment",
        "callcentre_call",
        "citizens_citizenprofile",
        "citizens_notification",
        "cases_reporterdataaccess",
        "events_outboxevent",
    ):
        assert tables[table] > 0, table
    assert len(filled.before["photos"]) >= 7
    assert filled.before["outbox_last_id"] > 0


def test_only_the_account_running_patriot_opens_a_backup(filled: Filled) -> None:
    """The copy holds reporters' personal data: its folder is closed to the group and to other local users."""
    assert filled.backup.stat().st_mode & 0o077 == 0


def test_the_manifest_lists_every_file_with_its_checksum(filled: Filled) -> None:
    manifest = json.loads((filled.backup / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == ("sqlite" if _postgres_url() is None else "postgresql")
    assert manifest["database"]["sha256"] == sha256_of(filled.backup / manifest["database"]["file"])
    assert manifest["outbox_last_id"] == filled.before["outbox_last_id"]
    assert manifest["migrations"]["cases"].startswith("00")
    assert manifest["patriot_version"]
    listed = {entry["path"]: entry["sha256"] for entry in manifest["media"]}
    assert listed == filled.before["photos"]
    for path, digest in listed.items():
        assert sha256_of(filled.backup / "media" / path) == digest


def test_drill_destroy_and_restore_brings_back_every_row_photo_and_the_outbox_position(filled: Filled) -> None:
    installation = filled.installation
    installation.destroy()
    installation.create_database()

    installation.patriot("restore", str(filled.backup))

    after = installation.snapshot()
    assert after["tables"] == filled.before["tables"]
    assert after["photos"] == filled.before["photos"]
    assert after["outbox_last_id"] == filled.before["outbox_last_id"]
    # The restored database keeps counting after the last event: the live streams' ids never repeat.
    new_id = json.loads(installation.run("-m", "tests.core.backup_drill", "new-case").stdout)
    assert new_id > filled.before["outbox_last_id"]

    refused = installation.patriot("restore", str(filled.backup), check=False)
    assert refused.returncode != 0
    assert "--replace" in refused.stderr
    installation.patriot("restore", "--replace", str(filled.backup))
    assert installation.snapshot() == filled.before


def _tampered(source: Path, destination: Path, change: str) -> Path:
    shutil.copytree(source, destination)
    manifest_path = destination / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if change == "photo":
        photo = destination / "media" / manifest["media"][0]["path"]
        data = bytearray(photo.read_bytes())
        data[len(data) // 2] ^= 0xFF
        photo.write_bytes(bytes(data))
    elif change == "database":
        database = destination / manifest["database"]["file"]
        database.write_bytes(database.read_bytes()[:-100])
    elif change == "missing-photo":
        (destination / "media" / manifest["media"][-1]["path"]).unlink()
    elif change == "vendor":
        other = "postgresql" if manifest["database"]["vendor"] == "sqlite" else "sqlite"
        manifest["database"].update(vendor=other, file=backup.DATABASE_FILES[other])
    elif change == "path":
        manifest["media"][0]["path"] = "../../escaped.jpg"
    elif change == "newer":
        manifest["migrations"]["cases"] = "9999_from_the_future"
    elif change == "no-manifest":
        manifest_path.unlink()
        return destination
    manifest_path.write_text(json.dumps(manifest))
    return destination


REFUSALS = {
    "photo": "rusak",
    "database": "rusak",
    "missing-photo": "hilang",
    "vendor": "instalasi ini memakai",
    "path": "di luar folder media",
    "newer": "9999_from_the_future",
    "no-manifest": "bukan cadangan Patriot",
}


def test_restore_refuses_a_damaged_or_foreign_backup_and_changes_nothing(filled: Filled, tmp_path: Path) -> None:
    installation = filled.installation
    for change, message in REFUSALS.items():
        tampered = _tampered(filled.backup, tmp_path / change, change)
        # Even --replace (overwrite a database in use) must not get past the checks.
        result = installation.patriot("restore", "--replace", str(tampered), check=False)
        assert result.returncode != 0, change
        assert message in result.stderr, (change, result.stderr)
        assert "Traceback" not in result.stderr, change
    assert installation.snapshot() == filled.before
    assert not (installation.media.parent / "escaped.jpg").exists()


def test_backup_refuses_a_folder_that_already_holds_files(filled: Filled, tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    result = filled.installation.patriot("backup", str(tmp_path), check=False)
    assert result.returncode != 0
    assert "sudah berisi berkas" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def test_the_postgresql_password_travels_in_the_environment_not_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(argv=argv, env=kwargs["env"])
        return subprocess.CompletedProcess(argv, 0, "", "")

    database = {"NAME": "kota", "USER": "patriot", "PASSWORD": "rahasia-sekali", "HOST": "db.internal", "PORT": 5433}
    monkeypatch.setitem(settings.DATABASES, "default", {**settings.DATABASES["default"], **database})
    monkeypatch.setattr(backup, "find_pg_tool", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(backup.subprocess, "run", run)

    backup._run_pg_tool("pg_dump", ["--format=custom", "--file=/tmp/x.dump"])

    assert not any("rahasia-sekali" in part for part in seen["argv"])
    assert seen["env"]["PGPASSWORD"] == "rahasia-sekali"
    assert (seen["env"]["PGHOST"], seen["env"]["PGPORT"], seen["env"]["PGUSER"]) == ("db.internal", "5433", "patriot")
    assert seen["env"]["PGDATABASE"] == "kota"
