"""Photos in an S3-compatible bucket (a real S3 server on loopback): stored privately, served only through Patriot's
access-checked views, shared by two app processes, cleaned up after a failed report, backed up and restored.
Without PATRIOT_S3_BUCKET the local disk is used."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.test import Client
from pytest_django import Settings
from storages.backends.s3 import S3Storage

from patriot.accounts.choices import RoleChoices
from patriot.accounts.services import create_api_token
from patriot.cases import services
from patriot.cases.models import Attachment, Case
from patriot.settings import media_storage
from tests.factories import MARGAHAYU, State, case_through, jpeg_bytes, load_areas, make_agency, make_category, staff
from tests.private_servers import CASE, AppServer, PrivateS3

PREFIX = "kota-bekasi/media"


@pytest.fixture(scope="module")
def s3() -> Iterator[PrivateS3]:
    server = PrivateS3()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """MEDIA_ROOT of the test: stays empty while the bucket holds the photos."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def bucket(s3: PrivateS3, settings: Settings, media: Path) -> str:
    name = s3.bucket()
    settings.STORAGES = {**settings.STORAGES, "default": media_storage(s3.env(name, PREFIX))}
    return name


@pytest.fixture
def city(db: None) -> dict[str, Any]:
    load_areas()
    roads = make_agency("dbmsda", short_name="DBMSDA")
    make_category("jalan-berlubang", default_agency=roads)
    other = make_agency("dlh", short_name="DLH")
    return {"poc": staff(RoleChoices.POC_OPERATOR), "outsider": staff(RoleChoices.AGENCY_OFFICER, agency=other)}


def _report_with_photo(client: Client) -> tuple[str, str, str]:
    """(tracking number, reporter key, photo URL) of a report filed through the public API with one photo."""
    body = {
        "category": "jalan-berlubang",
        "description": "Lubang besar di depan pasar, membahayakan motor.",
        "latitude": MARGAHAYU[0],
        "longitude": MARGAHAYU[1],
    }
    created = client.post("/api/v1/cases", body, content_type="application/json")
    assert created.status_code == 201, created.content
    number, key = created.json()["tracking_number"], created.json()["reporter_key"]
    upload = io.BytesIO(jpeg_bytes())
    upload.name = "lubang.jpg"
    added = client.post(f"/api/v1/public/cases/{number}/photos", {"photos": [upload]}, HTTP_X_REPORTER_KEY=key)
    assert added.status_code == 200, added.content
    return number, key, added.json()["photos"][0]["url"]


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_a_reported_photo_is_a_private_object_served_only_through_the_access_checked_views(
    s3: PrivateS3, bucket: str, media: Path, city: dict[str, Any]
) -> None:
    number, key, api_url = _report_with_photo(Client())
    attachment = Attachment.objects.get(case__tracking_number=number)

    assert s3.keys(bucket) == [f"{PREFIX}/{attachment.file.name}"]
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    stored = s3.client().get_object(Bucket=bucket, Key=f"{PREFIX}/{attachment.file.name}")
    content = stored["Body"].read()
    assert stored["ContentType"] == "image/jpeg"
    # No ACL of its own: only the bucket owner may read it, an unsigned request is refused by the store.
    grants = s3.client().get_object_acl(Bucket=bucket, Key=f"{PREFIX}/{attachment.file.name}")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
    assert httpx.get(f"{s3.endpoint}/{bucket}/{PREFIX}/{attachment.file.name}").status_code == 403

    # The reporter's tracking page links Patriot's own view, which streams the object.
    reporter = Client()
    reporter.get(f"/lacak/{number}/?kunci={key}")
    page = reporter.get(f"/lacak/{number}/").content.decode()
    track_url = f"/lacak/{number}/foto/{attachment.pk}/"
    assert track_url in page
    assert s3.endpoint not in page and bucket not in page and "X-Amz" not in page
    served = reporter.get(track_url)
    assert served.status_code == 200 and served["Cache-Control"] == "private, no-store"
    assert _body(served) == content
    assert _body(Client().get(api_url, HTTP_X_REPORTER_KEY=key)) == content

    # The POC's case page links the API view; the POC gets the photo through it.
    poc = Client()
    poc.force_login(city["poc"])
    staff_page = poc.get(f"/poc/laporan/{number}/").content.decode()
    assert api_url in staff_page and s3.endpoint not in staff_page
    assert _body(poc.get(api_url)) == content

    # Nobody else: another browser, an anonymous API call, an officer of another agency (session or token).
    assert Client().get(track_url).status_code == 404
    assert Client().get(api_url).status_code == 404
    outsider = Client()
    outsider.force_login(city["outsider"])
    assert outsider.get(api_url).status_code == 404
    assert outsider.get(track_url).status_code == 404
    token = create_api_token(city["outsider"], "test")[1]
    assert Client().get(api_url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404

    # Should anything ever ask the storage for a URL, it is signed and short-lived, never a public one.
    signed = default_storage.url(attachment.file.name)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed


def test_a_report_that_fails_after_its_photos_were_written_leaves_no_object_behind(
    s3: PrivateS3, bucket: str, city: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "_write_entry", broken)
    upload = io.BytesIO(jpeg_bytes())
    submission = services.CaseSubmission(
        channel="pot",
        category=make_category(),
        description="Jalan berlubang cukup dalam di depan sekolah.",
        latitude=MARGAHAYU[0],
        longitude=MARGAHAYU[1],
    )
    with pytest.raises(RuntimeError):
        services.create_case(submission, photos=[("a.jpg", upload), ("b.jpg", io.BytesIO(jpeg_bytes()))])
    assert Case.objects.count() == 0
    assert s3.keys(bucket) == []


def test_proof_photos_from_the_field_land_in_the_bucket_too(s3: PrivateS3, bucket: str, city: dict[str, Any]) -> None:
    case = case_through(State.RESOLVED, category=make_category(default_agency=make_agency()))
    proof = case.attachments.get(kind="proof_photo")
    assert s3.keys(bucket) == [f"{PREFIX}/{proof.file.name}"]


def test_without_a_bucket_photos_go_to_the_local_disk(media: Path, city: dict[str, Any]) -> None:
    assert media_storage({})["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert "PATRIOT_S3_BUCKET" not in os.environ
    assert isinstance(storages["default"], FileSystemStorage)
    number, key, api_url = _report_with_photo(Client())
    attachment = Attachment.objects.get(case__tracking_number=number)
    on_disk = media / attachment.file.name
    assert on_disk.is_file()
    assert _body(Client().get(api_url, HTTP_X_REPORTER_KEY=key)) == on_disk.read_bytes()


def test_the_bucket_settings_keep_objects_private(s3: PrivateS3) -> None:
    options = media_storage(s3.env("kota", "/media/"))["OPTIONS"]
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["location"] == "media" and options["addressing_style"] == "path"
    assert options.get("custom_domain") is None
    storage = S3Storage(**options)
    assert storage.default_acl is None and storage.querystring_expire == 300


# --- two app processes sharing one bucket, and the backup of a bucket ------------------------------------------------


def _postgres_url() -> str | None:
    url = os.environ.get("PATRIOT_DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture
def installation(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a scratch installation (its own database) whose media live in a bucket, migrated and
    seeded."""
    base = _postgres_url()
    admin_url = None
    if base is None:
        (tmp_path / "db").mkdir()
        database_url = f"sqlite:///{tmp_path / 'db' / 'patriot.sqlite3'}"
    else:
        server = base.rsplit("/", 1)[0]
        database_url = f"{server}/{base.rsplit('/', 1)[1]}_s3_{uuid.uuid4().hex[:8]}"
        admin_url = f"{server}/postgres"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{database_url.rsplit("/", 1)[1]}"')
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PATRIOT_")},
        "DJANGO_SETTINGS_MODULE": "patriot.settings",
        "PATRIOT_DATABASE_URL": database_url,
        "PATRIOT_VAR_DIR": str(tmp_path / "var"),
        "PATRIOT_MEDIA_ROOT": str(tmp_path / "media-unused"),
        "PATRIOT_SECRET_KEY": "object-storage-test-key-not-secret",
    }
    try:
        for command in (["migrate", "--noinput", "--verbosity", "0"], ["seed"]):
            _patriot(env, *command)
        yield env
    finally:
        if admin_url is not None:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _patriot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-m", "patriot", *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_two_app_processes_share_the_bucket_and_backup_restore_go_through_it(
    s3: PrivateS3, installation: dict[str, str], tmp_path: Path
) -> None:
    bucket = s3.bucket()
    env = {**installation, **s3.env(bucket, PREFIX)}
    first = AppServer({**env, "PATRIOT_MEDIA_ROOT": str(tmp_path / "media-first")})
    second = AppServer({**env, "PATRIOT_MEDIA_ROOT": str(tmp_path / "media-second")})
    try:
        created = httpx.post(f"{first.base}/api/v1/cases", json=CASE, timeout=30)
        assert created.status_code == 201, created.text
        number, key = created.json()["tracking_number"], created.json()["reporter_key"]
        added = httpx.post(
            f"{first.base}/api/v1/public/cases/{number}/photos",
            files={"photos": ("lubang.jpg", jpeg_bytes(), "image/jpeg")},
            headers={"X-Reporter-Key": key},
            timeout=30,
        )
        assert added.status_code == 200, added.text
        api_path = added.json()["photos"][0]["url"]
        [stored_key] = s3.keys(bucket)
        content = s3.client().get_object(Bucket=bucket, Key=stored_key)["Body"].read()

        # The other process, with a media folder of its own, serves the photo from the bucket.
        served = httpx.get(f"{second.base}{api_path}", headers={"X-Reporter-Key": key}, timeout=30)
        assert served.status_code == 200 and served.content == content
        assert httpx.get(f"{second.base}{api_path}", timeout=30).status_code == 404
        with httpx.Client(base_url=second.base, timeout=30, follow_redirects=True) as browser:
            page = browser.get(f"/lacak/{number}/", params={"kunci": key}).text
            attachment_id = api_path.rsplit("/", 1)[1]
            track_path = f"/lacak/{number}/foto/{attachment_id}/"
            assert track_path in page and s3.endpoint not in page
            assert browser.get(track_path).content == content
        assert httpx.get(f"{second.base}{track_path}", timeout=30).status_code == 404
    finally:
        first.stop()
        second.stop()
    assert not any(path.is_file() for path in tmp_path.glob("media-*/**/*"))

    # `patriot backup` copies the bucket's objects; `restore` brings a lost one back into the bucket.
    target = tmp_path / "backup"
    _patriot(env, "backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    assert [f"{PREFIX}/{entry['path']}" for entry in manifest["media"]] == [stored_key]
    assert (target / "media" / manifest["media"][0]["path"]).read_bytes() == content
    s3.client().delete_object(Bucket=bucket, Key=stored_key)
    _patriot(env, "restore", "--replace", str(target))
    assert s3.keys(bucket) == [stored_key]
    assert s3.client().get_object(Bucket=bucket, Key=stored_key)["Body"].read() == content
    assert not any(path.is_file() for path in (tmp_path / "media-unused").rglob("*"))
