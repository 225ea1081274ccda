"""The second sign-in factor: who needs it, the code step, replay, throttling, recovery codes, enrolment, reset, demo."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from patriot.accounts import totp
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import RecoveryCode, TotpDevice, User
from patriot.accounts.services import create_api_token
from tests.factories import give_authenticator, make_agency, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "kata-sandi-benar-123"
# The middle of a 30-second step, so a test's few requests all fall into one step.
START = 1_790_000_015.0


def _person(role: str, username: str, **fields: Any) -> User:
    user = make_user(role, username=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def supervisor() -> User:
    return _person(RoleChoices.POC_SUPERVISOR, "supervisor")


def _password(client: Client, username: str = "supervisor", **extra: str) -> Any:
    return client.post("/masuk/", {"username": username, "password": PASSWORD, **extra})


def _code(client: Client, code: str) -> Any:
    return client.post("/masuk/kode/", {"code": code})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- who needs a second factor ----------------------------------------------------------------


def test_the_roles_with_power_need_a_second_factor_and_others_may_choose() -> None:
    for role in (RoleChoices.POC_SUPERVISOR, RoleChoices.MAYOR, RoleChoices.SYSTEM_ADMIN):
        assert totp.is_required(make_user(role))
    officer = make_user(RoleChoices.AGENCY_OFFICER, agency=make_agency())
    assert not totp.is_required(officer) and totp.may_use(officer)
    assert totp.is_required(make_user(RoleChoices.POC_OPERATOR, is_superuser=True))
    citizen = make_user(RoleChoices.CITIZEN)
    assert not totp.may_use(citizen)
    with pytest.raises(totp.InvalidInput):
        totp.start_enrolment(citizen)


# --- the code step ----------------------------------------------------------------------------


def test_a_supervisor_with_the_right_password_but_no_code_is_not_signed_in(supervisor: User, clock: Any) -> None:
    give_authenticator(supervisor)
    client = Client()
    response = _password(client)
    assert response.status_code == 302 and response["Location"] == "/masuk/kode/"
    assert not _signed_in(client)
    assert client.get("/poc/")["Location"].startswith("/masuk/?next=/poc/")
    assert client.get("/api/v1/cases").status_code == 401
    page = client.get("/masuk/kode/")
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()


def test_the_right_code_signs_in_and_lands_on_the_role_home(supervisor: User, clock: Any) -> None:
    secret = give_authenticator(supervisor)
    client = Client()
    _password(client)
    response = _code(client, totp.code_for(secret))
    assert response.status_code == 302 and response["Location"] == "/poc/"
    assert _signed_in(client)
    assert "second_factor_pending" not in client.session
    assert client.get("/poc/").status_code == 200


def test_a_safe_next_address_survives_the_code_step(supervisor: User, clock: Any) -> None:
    secret = give_authenticator(supervisor)
    client = Client()
    _password(client, next="/poc/dasbor/")
    assert _code(client, totp.code_for(secret))["Location"] == "/poc/dasbor/"


def test_codes_of_the_neighbouring_steps_are_accepted_and_others_not(supervisor: User, clock: Any) -> None:
    secret = give_authenticator(supervisor)
    device = TotpDevice.objects.get(user=supervisor)
    assert totp.verify(device, totp.code_for(secret, START - 30)) is False
    assert totp.verify(device, totp.code_for(secret, START + 30)) is False
    with pytest.raises(totp.InvalidInput):
        totp.verify(device, totp.code_for(secret, START + 90))


def test_a_wrong_code_is_refused_and_the_step_closes_after_too_many(
    supervisor: User, clock: Any, settings: Settings
) -> None:
    settings.PATRIOT_TOTP_MAX_FAILURES = 3
    settings.PATRIOT_TOTP_LOCKOUT_SECONDS = 900
    secret = give_authenticator(supervisor)
    wrong = f"{(int(totp.code_for(secret)) + 1) % 1_000_000:06d}"
    client = Client()
    _password(client)
    for _ in range(2):
        response = _code(client, wrong)
        assert response.status_code == 400
        assert "Kode salah atau sudah dipakai" in response.content.decode()
        assert not _signed_in(client)
    response = _code(client, wrong)
    assert response.status_code == 429
    assert "Terlalu banyak kode salah. Coba lagi dalam 15 menit." in response.content.decode()
    # While closed even the right code is refused; a fresh password sign-in does not reopen it.
    _password(client)
    assert _code(client, totp.code_for(secret)).status_code == 429
    assert not _signed_in(client)
    clock.shift(timedelta(seconds=901))
    _password(client)
    assert _code(client, totp.code_for(secret)).status_code == 302
    assert _signed_in(client)


def test_nonsense_is_refused_with_a_message_and_counted(supervisor: User, clock: Any) -> None:
    give_authenticator(supervisor)
    client = Client()
    _password(client)
    for text in ("", "abc", "1234567", "１２３４５６"):
        response = _code(client, text)
        assert response.status_code == 400, text
        assert 'role="alert"' in response.content.decode()
    assert not _signed_in(client)
    assert TotpDevice.objects.get(user=supervisor).failed_attempts == 3  # the empty one never reaches the check


def test_a_used_code_cannot_be_replayed_in_its_window(supervisor: User, clock: Any) -> None:
    secret = give_authenticator(supervisor)
    code = totp.code_for(secret)
    first = Client()
    _password(first)
    assert _code(first, code).status_code == 302
    thief = Client()
    _password(thief)
    response = _code(thief, code)
    assert response.status_code == 400
    assert not _signed_in(thief)
    # The previous step's code is still inside the window but older than the one used: refused as well.
    assert _code(thief, totp.code_for(secret, START - 30)).status_code == 400
    clock.shift(timedelta(seconds=30))
    assert _code(thief, totp.code_for(secret)).status_code == 302


def test_the_wait_for_the_code_is_short(supervisor: User, clock: Any, settings: Settings) -> None:
    settings.PATRIOT_TOTP_PENDING_SECONDS = 300
    secret = give_authenticator(supervisor)
    client = Client()
    _password(client)
    clock.shift(timedelta(seconds=301))
    response = _code(client, totp.code_for(secret))
    assert response.status_code == 302 and response["Location"] == "/masuk/"
    assert not _signed_in(client)
    assert "Waktu untuk memasukkan kode habis" in client.get("/masuk/").content.decode()
    assert Client().get("/masuk/kode/")["Location"] == "/masuk/"


# --- recovery codes ---------------------------------------------------------------------------


def _enrol_with_recovery_codes(user: User) -> tuple[str, list[str]]:
    device = totp.start_enrolment(user)
    secret = totp.secret_of(device)
    codes = totp.confirm_enrolment(device, totp.code_for(secret, START - 30))
    return secret, codes


def test_a_recovery_code_works_once(supervisor: User, clock: Any) -> None:
    _secret, codes = _enrol_with_recovery_codes(supervisor)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = Client()
    _password(client)
    response = client.post("/masuk/kode/", {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert _signed_in(client)
    assert "Satu kode pemulihan terpakai; tersisa 9." in response.content.decode()
    again = Client()
    _password(again)
    assert _code(again, codes[0]).status_code == 400
    assert not _signed_in(again)


def test_secrets_are_encrypted_and_recovery_codes_hashed(supervisor: User, clock: Any) -> None:
    secret, codes = _enrol_with_recovery_codes(supervisor)
    device = TotpDevice.objects.get(user=supervisor)
    assert secret not in device.encrypted_secret
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert not {code.replace("-", "") for code in codes} & stored


def test_new_recovery_codes_replace_the_old_ones(supervisor: User, clock: Any) -> None:
    secret, old = _enrol_with_recovery_codes(supervisor)
    client = Client()
    client.force_login(supervisor)
    response = client.post("/keamanan/kode-pemulihan/", {"code": totp.code_for(secret)})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    device = TotpDevice.objects.get(user=supervisor)
    with pytest.raises(totp.InvalidInput):
        totp.verify(device, old[1])
    assert totp.verify(device, new[1]) is True


# --- enrolment --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [RoleChoices.POC_SUPERVISOR, RoleChoices.MAYOR, RoleChoices.SYSTEM_ADMIN])
def test_a_required_role_without_a_device_must_enrol_before_anything_else(role: str, clock: Any) -> None:
    user = _person(role, "kuasa", is_staff=role == RoleChoices.SYSTEM_ADMIN)
    client = Client()
    response = _password(client, "kuasa")
    assert response["Location"] == "/masuk/kode/daftar/"
    assert not _signed_in(client)
    for path in ("/poc/", "/walikota/", "/admin/", "/keamanan/"):
        assert client.get(path).status_code == 302, path
        assert not _signed_in(client)
    page = client.get("/masuk/kode/daftar/").content.decode()
    secret = re.search(r"<code data-totp-secret>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert "otpauth://totp/" in page and "<svg" in page
    # Reloading shows the same secret until the first code confirms it.
    assert secret in client.get("/masuk/kode/daftar/").content.decode().replace(" ", "")
    assert client.post("/masuk/kode/daftar/", {"code": "000000"}).status_code == 400
    assert not _signed_in(client)
    response = client.post("/masuk/kode/daftar/", {"code": totp.code_for(secret)})
    assert response.status_code == 200 and _signed_in(client)
    assert len(re.findall(r"<li><code>[a-z0-9-]{14}</code></li>", response.content.decode())) == 10
    assert totp.confirmed_device(user) is not None
    # From now on the secret is never shown again.
    assert secret not in client.get("/keamanan/").content.decode().replace(" ", "")


def test_an_agency_officer_may_turn_the_second_factor_on_and_off(clock: Any) -> None:
    officer = _person(RoleChoices.AGENCY_OFFICER, "petugas", agency=make_agency())
    client = Client()
    assert _password(client, "petugas")["Location"] == "/opd/"  # no second factor yet: the password suffices
    assert 'data-second-factor="off"' in client.get("/keamanan/").content.decode()
    assert client.post("/keamanan/aktifkan/")["Location"] == "/keamanan/"
    secret = totp.secret_of(TotpDevice.objects.get(user=officer))
    assert client.post("/keamanan/konfirmasi/", {"code": "123"}).status_code == 400
    response = client.post("/keamanan/konfirmasi/", {"code": totp.code_for(secret)})
    assert response.status_code == 200 and "data-recovery-codes" in response.content.decode()
    client.post("/keluar/")

    client = Client()
    assert _password(client, "petugas")["Location"] == "/masuk/kode/"
    clock.shift(timedelta(seconds=30))
    assert _code(client, totp.code_for(secret))["Location"] == "/opd/"
    clock.shift(timedelta(seconds=30))
    response = client.post("/keamanan/matikan/", {"code": totp.code_for(secret)})
    assert response["Location"] == "/keamanan/"
    assert not TotpDevice.objects.filter(user=officer).exists()
    client.post("/keluar/")
    assert _password(Client(), "petugas")["Location"] == "/opd/"


def test_a_required_role_cannot_turn_it_off(supervisor: User, clock: Any) -> None:
    secret = give_authenticator(supervisor)
    client = Client()
    client.force_login(supervisor)
    response = client.post("/keamanan/matikan/", {"code": totp.code_for(secret)})
    assert response.status_code == 400
    assert "Peran Anda wajib memakai verifikasi dua langkah." in response.content.decode()
    assert totp.confirmed_device(supervisor) is not None


def test_citizens_have_no_security_page() -> None:
    client = Client()
    client.force_login(make_user(RoleChoices.CITIZEN))
    assert client.get("/keamanan/").status_code == 404
    assert client.post("/keamanan/aktifkan/").status_code == 404
    assert not TotpDevice.objects.exists()
    assert Client().get("/keamanan/")["Location"].startswith("/masuk/")


# --- the admin, the API, the demo -------------------------------------------------------------


def test_the_admin_login_form_is_not_a_way_around_the_code(supervisor: User) -> None:
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == "/masuk/?next=/admin/"
    admin = _person(RoleChoices.SYSTEM_ADMIN, "root", is_staff=True, is_superuser=True)
    give_authenticator(admin)
    client = Client()
    client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert not _signed_in(client)


def test_a_system_admin_resets_a_lost_device(supervisor: User, clock: Any) -> None:
    give_authenticator(supervisor)
    admin = make_user(RoleChoices.SYSTEM_ADMIN, username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    changelist = reverse("admin:accounts_user_changelist")
    assert "Setel ulang verifikasi dua langkah" in client.get(changelist).content.decode()
    client.post(changelist, {"action": "reset_second_factor", "_selected_action": [supervisor.pk]})
    assert not TotpDevice.objects.filter(user=supervisor).exists()
    assert _password(Client())["Location"] == "/masuk/kode/daftar/"


def test_only_a_system_admin_may_reset(supervisor: User) -> None:
    give_authenticator(supervisor)
    helper = make_user(RoleChoices.POC_OPERATOR, username="pembantu", is_staff=True)
    helper.user_permissions.add(*Permission.objects.filter(codename__in=["view_user", "change_user"]))
    client = Client()
    client.force_login(helper)
    changelist = reverse("admin:accounts_user_changelist")
    assert "reset_second_factor" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "reset_second_factor", "_selected_action": [supervisor.pk]})
    assert totp.confirmed_device(supervisor) is not None


def test_api_bearer_tokens_are_not_asked_for_a_code(supervisor: User) -> None:
    give_authenticator(supervisor)
    _token, secret = create_api_token(supervisor, "dasbor")
    assert Client().get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200


def test_the_demo_prints_its_authenticator_secret_and_a_current_code(settings: Settings, capsys: Any) -> None:
    settings.PATRIOT_DEMO = True
    call_command("seed")
    with time_machine.travel(START, tick=False):
        call_command("seed", "--demo")
        output = capsys.readouterr().out
        supervisor_line = next(line for line in output.splitlines() if line.startswith("supervisor "))
        assert totp.DEMO_SECRET in supervisor_line
        assert totp.DEMO_SECRET not in next(line for line in output.splitlines() if line.startswith("poc "))
        assert f"Kode TOTP sekarang: {totp.code_for(totp.DEMO_SECRET)}" in output
        assert "patriot totp-code" in output
        call_command("totp-code", "mayor")
        code = capsys.readouterr().out.strip()
        assert code == totp.code_for(totp.DEMO_SECRET)
        for username in ("supervisor", "mayor", "admin"):
            assert totp.confirmed_device(User.objects.get(username=username)) is not None, username
        client = Client()
        client.post("/masuk/", {"username": "mayor", "password": "patriot-demo-2026"})
        assert _code(client, code)["Location"] == "/walikota/"
    with pytest.raises(CommandError, match="demo"):
        call_command("totp-code", "poc")


def test_a_real_secret_never_leaves_through_the_demo_command(supervisor: User) -> None:
    give_authenticator(supervisor)
    with pytest.raises(CommandError):
        call_command("totp-code", "supervisor")


def test_demo_devices_exist_only_in_demo_mode(supervisor: User, settings: Settings) -> None:
    settings.PATRIOT_DEMO = False
    with pytest.raises(totp.InvalidInput):
        totp.set_demo_device(supervisor)


def test_the_code_page_speaks_english(supervisor: User, clock: Any, settings: Settings) -> None:
    give_authenticator(supervisor)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    _password(client)
    page = client.get("/masuk/kode/").content.decode()
    assert "authenticator app" in page
    response = _code(client, "12345")
    assert "Wrong code or code already used" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_cannot_slip_past_the_lockout(settings: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from patriot.core.errors import InvalidInput

    settings.PATRIOT_TOTP_MAX_FAILURES = 3
    user = make_user(RoleChoices.POC_SUPERVISOR)
    secret = give_authenticator(user)
    device = TotpDevice.objects.get(user=user)
    now = time.time()
    valid = {totp.code_for(secret, now + offset) for offset in (-60, -30, 0, 30, 60)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)

    def guess(_n: int) -> str:
        try:
            totp.verify(device, wrong)
        except totp.SecondFactorLocked:
            return "locked"
        except InvalidInput:
            return "wrong"
        finally:
            connection.close()
        return "accepted"

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(guess, range(12)))
    # Only the first MAX_FAILURES - 1 guesses are judged; the one that reaches the limit and all after it are locked.
    assert answers.count("wrong") == 2
    assert answers.count("locked") == 10
