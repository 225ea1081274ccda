"""Production mode refuses to start unsafely, and the recipe's environment file passes `patriot check --deploy`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from patriot.accounts import totp
from patriot.accounts.models import TotpDevice, User, hash_token
from patriot.accounts.services import DEMO_PASSWORD, DEMO_PASSWORD_SALT
from patriot.core.checks import check_production_safety
from patriot.open311.demo import DEMO_KEY
from patriot.open311.models import ApiKey
from tests.deploy.recipe import env_file, production_env, unit_commands
from tests.factories import make_user
from tests.private_servers import PYTHON_BIN

STRONG_KEY = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyz"


def patriot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own command)
        [str(PYTHON_BIN / "patriot"), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_the_recipes_environment_passes_check_deploy_with_no_issue(tmp_path: Path) -> None:
    env = production_env(tmp_path, PATRIOT_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    result = patriot(env, "check", "--deploy", "--database", "default", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    # HSTS for the city's subdomains and the preload list are the domain owner's call (settings.py says why).
    assert "System check identified no issues (2 silenced)." in result.stdout


def test_the_recipe_lists_every_setting_of_the_configuration_table() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(env_file())
    missing = []
    for row in (line for line in table.splitlines() if line.startswith("| `")):
        names = [name.strip() for name in row.split("|")[1].replace("`", "").split("/")]
        for name in names:
            if name.startswith("PATRIOT_TEST_"):
                continue
            # `PATRIOT_EMAIL_HOST` / `_PORT`: a suffix replaces the tail of the row's first name.
            parts = names[0].split("_")
            candidates = (
                [name] if not name.startswith("_") else ["_".join(parts[:n]) + name for n in range(1, len(parts))]
            )
            if not listed.intersection(candidates):
                missing.append(name)
    assert missing == []
    assert len(listed) > 60


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"PATRIOT_SECRET_KEY": ""}, "PATRIOT_SECRET_KEY tidak diatur"),
        ({"PATRIOT_DEBUG": "1"}, "PATRIOT_DEBUG menyala"),
        ({"PATRIOT_DEMO": "1"}, "PATRIOT_DEMO menyala"),
        ({"PATRIOT_SECRET_KEY": "rahasia-kota-bekasi"}, "PATRIOT_SECRET_KEY lemah"),
        ({"PATRIOT_SECRET_KEY": "django-insecure-" + STRONG_KEY}, "PATRIOT_SECRET_KEY lemah"),
        ({"PATRIOT_SECRET_KEY": "ab" * 40}, "PATRIOT_SECRET_KEY lemah"),
        ({"PATRIOT_ALLOWED_HOSTS": "patriot.bekasikota.go.id,*"}, "PATRIOT_ALLOWED_HOSTS berisi '*'"),
        (
            {"PATRIOT_CALLCENTRE_HOOK_SECRET": "demo-hook-1500444"},
            "PATRIOT_CALLCENTRE_HOOK_SECRET memakai rahasia demo",
        ),
        ({"PATRIOT_CALLCENTRE_HOOK_SECRET": "telepon123"}, "PATRIOT_CALLCENTRE_HOOK_SECRET lemah"),
    ],
    ids=["no-key", "debug", "demo", "short-key", "insecure-key", "plain-key", "any-host", "demo-hook", "weak-hook"],
)
def test_each_unsafe_setting_stops_the_web_process_with_its_reason(
    tmp_path: Path, change: dict[str, str], problem: str
) -> None:
    env = production_env(tmp_path, PATRIOT_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", **change)
    web = unit_commands("patriot-web@.service", instance="18099")[0]
    started = subprocess.run(web, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert started.returncode != 0
    assert "Patriot menolak berjalan dalam mode produksi" in started.stderr
    assert problem in started.stderr
    assert "Uvicorn running" not in started.stderr


def test_the_worker_and_the_migrations_step_refuse_too(tmp_path: Path) -> None:
    env = production_env(
        tmp_path, PATRIOT_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", PATRIOT_ALLOWED_HOSTS="*"
    )
    for command in [*unit_commands("patriot-worker.service"), unit_commands("patriot-migrate.service")[0]]:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
        assert result.returncode != 0, command
        assert "PATRIOT_ALLOWED_HOSTS berisi '*'" in result.stderr, result.stderr


def test_demo_mode_and_the_test_run_are_not_production(tmp_path: Path) -> None:
    """`make run` (demo) and the test suite start as before: production mode is only what the recipe sets."""
    env = production_env(tmp_path, PATRIOT_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    del env["PATRIOT_PRODUCTION"]
    env.update(PATRIOT_DEMO="1", PATRIOT_CALLCENTRE_HOOK_SECRET="demo-hook-1500444", PATRIOT_SECRET_KEY="")
    result = patriot(env, "check", "--database", "default")
    assert result.returncode == 0, result.stderr
    assert check_production_safety(None, databases=["default"]) == []


@pytest.fixture
def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.PATRIOT_PRODUCTION = True
    settings.ALLOWED_HOSTS = ["patriot.bekasikota.go.id"]
    settings.PATRIOT_CALLCENTRE_HOOK_SECRET = ""
    monkeypatch.setenv("PATRIOT_SECRET_KEY", STRONG_KEY)


def problems() -> list[str]:
    return [f"{message.id} {message.msg}" for message in check_production_safety(None, databases=["default"])]


@pytest.mark.django_db
@pytest.mark.usefixtures("production")
def test_an_installation_without_demo_data_is_clean() -> None:
    make_user(username="poc")  # a real account may carry a demo account's name
    device_owner = make_user(username="supervisor")
    TotpDevice.objects.create(
        user=device_owner,
        encrypted_secret=totp._encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        confirmed_at=timezone.now(),
    )
    assert problems() == []


@pytest.mark.django_db
@pytest.mark.usefixtures("production")
def test_demo_accounts_secrets_and_keys_in_the_database_are_each_refused() -> None:
    demo_password = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
    make_user(username="kepala-dinas")
    make_user(username="warga@demo.patriot.invalid")
    make_user(username="mantan-demo", is_active=False)  # cannot sign in: not counted
    User.objects.filter(username__in=["kepala-dinas", "mantan-demo"]).update(password=demo_password)
    mayor = make_user(username="walikota")
    TotpDevice.objects.create(user=mayor, encrypted_secret=totp._encrypt(totp.DEMO_SECRET), confirmed_at=timezone.now())
    ApiKey.objects.create(name="demo", prefix=DEMO_KEY[:8], key_hash=hash_token(DEMO_KEY))

    found = problems()
    assert found == [
        "patriot.E011 Ada akun demo aktif: kepala-dinas, warga@demo.patriot.invalid.",
        "patriot.E012 Akun memakai rahasia autentikator demo yang diumumkan: walikota.",
        "patriot.E013 Kunci Open311 demo yang diumumkan masih berlaku.",
    ]
    ApiKey.objects.update(revoked_at=timezone.now())
    assert len(problems()) == 2
