"""Changing a citizen's email or mobile number from /akun/: password first, unverified until proven again."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.choices import ChannelChoices
from patriot.citizens import queries, services
from patriot.citizens.models import CitizenProfile, PhoneCode
from patriot.core.errors import InvalidInput
from tests.citizens.conftest import PASSWORD, make_citizen
from tests.core.test_layout import csp_problems
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _text(response: Any) -> str:
    return response.content.decode()


def _email_post(email: str, password: str = PASSWORD) -> dict[str, str]:
    return {"ganti-email-email": email, "ganti-email-password": password}


def _phone_post(phone: str, password: str = PASSWORD) -> dict[str, str]:
    return {"ganti-hp-phone": phone, "ganti-hp-password": password}


def _unchanged(user: User) -> None:
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.username, fresh.email, fresh.phone) == (user.username, user.email, user.phone)
    assert CitizenProfile.objects.get(user=user).is_verified
    assert queries.report_channel(fresh) == ChannelChoices.SOROT


# --- the account page -------------------------------------------------------------------------------


def test_account_page_offers_both_changes_and_is_csp_clean(citizen: User) -> None:
    response = _signed_in(citizen).get("/akun/")
    assert response.status_code == 200
    text = _text(response)
    assert 'action="/akun/email/"' in text and 'action="/akun/hp/"' in text
    assert 'name="ganti-email-password"' in text and 'name="ganti-hp-phone"' in text
    assert text.count('autocomplete="current-password"') == 2
    assert not csp_problems(text)


# --- email ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "password", "field", "message"),
    [
        ("bukan-email", PASSWORD, "email", ""),
        ("baru@example.org", "salah-sekali-2026", "password", "Kata sandi salah"),
        ("", PASSWORD, "email", ""),
        ("baru@example.org", "", "password", ""),
        ("SITI@example.org", PASSWORD, "email", "sudah alamat email Anda"),
        ("Budi@Example.org", PASSWORD, "email", "sudah dipakai akun lain"),
    ],
)
def test_bad_email_change_is_shown_next_to_the_field_and_changes_nothing(
    citizen: User, unverified_citizen: User, email: str, password: str, field: str, message: str
) -> None:
    response = _signed_in(citizen).post("/akun/email/", _email_post(email, password))
    assert response.status_code == 400
    text = _text(response)
    assert f'id="id_ganti-email-{field}_error"' in text
    assert message in text and "Email belum diganti." in text
    assert not csp_problems(text)
    _unchanged(citizen)
    assert not mail.outbox


def test_staff_address_counts_as_taken(citizen: User) -> None:
    make_user(RoleChoices.POC_OPERATOR, username="petugas", email="petugas@example.org")
    with pytest.raises(InvalidInput) as caught:
        services.change_email(citizen, email="Petugas@example.org", password=PASSWORD)
    assert caught.value.code == "duplicate_email"
    _unchanged(citizen)


def test_duplicate_is_only_told_after_the_right_password(citizen: User, unverified_citizen: User) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.change_email(citizen, email=unverified_citizen.email, password="tebakan-2026")
    assert caught.value.code == "wrong_password"


def test_email_change_resets_verification_and_old_links_stop_working(citizen: User) -> None:
    old_token = services.email_token(citizen)
    client = _signed_in(citizen)

    response = client.post("/akun/email/", _email_post("  Siti.Baru@Example.ORG "))
    assert response.status_code == 302 and response["Location"] == "/akun/verifikasi/#verifikasi-email"
    user = User.objects.get(pk=citizen.pk)
    assert user.username == user.email == "siti.baru@example.org"
    profile = CitizenProfile.objects.get(user=user)
    assert profile.email_verified_at is None and profile.phone_verified_at is not None
    assert queries.report_channel(user) == ChannelChoices.POT
    page = _text(client.get("/akun/verifikasi/"))
    assert 'data-unverified="email"' in page and "siti.baru@example.org" in page

    # The link sent for the old address names it: it must not verify the new one.
    assert client.get(f"/akun/verifikasi/email/{old_token}/").status_code == 400
    assert CitizenProfile.objects.get(user=user).email_verified_at is None

    [message] = mail.outbox
    assert message.to == ["siti.baru@example.org"]
    link = re.search(r"http://testserver(/akun/verifikasi/email/[^/\s]+/)", message.body)
    assert link, message.body
    assert client.get(link.group(1)).status_code == 302
    assert queries.report_channel(User.objects.get(pk=citizen.pk)) == ChannelChoices.SOROT


def test_signing_in_uses_the_new_address(citizen: User) -> None:
    services.change_email(citizen, email="siti.baru@example.org", password=PASSWORD)
    assert Client().login(username="siti.baru@example.org", password=PASSWORD)
    assert not Client().login(username="siti@example.org", password=PASSWORD)


def test_a_link_for_the_new_address_dies_when_it_changes_again(citizen: User) -> None:
    services.change_email(citizen, email="kedua@example.org", password=PASSWORD)
    second = services.email_token(citizen)
    services.change_email(citizen, email="ketiga@example.org", password=PASSWORD)
    with pytest.raises(InvalidInput):
        services.verify_email(second)
    assert CitizenProfile.objects.get(user=citizen).email_verified_at is None


# --- phone ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "password", "field", "message"),
    [
        ("021 8801234", PASSWORD, "phone", "telepon rumah"),
        ("+1 415 555 2671", PASSWORD, "phone", "Indonesia"),
        ("", PASSWORD, "phone", ""),
        ("0813 1111 2222", "salah-sekali-2026", "password", "Kata sandi salah"),
        ("0812-3456-7890", PASSWORD, "phone", "sudah nomor HP Anda"),
        ("0812 9876 5432", PASSWORD, "phone", "sudah dipakai akun lain"),
    ],
)
def test_bad_phone_change_is_shown_next_to_the_field_and_changes_nothing(
    citizen: User, unverified_citizen: User, phone: str, password: str, field: str, message: str
) -> None:
    response = _signed_in(citizen).post("/akun/hp/", _phone_post(phone, password))
    assert response.status_code == 400
    text = _text(response)
    assert f'id="id_ganti-hp-{field}_error"' in text
    assert message in text and "Nomor HP belum diganti." in text
    _unchanged(citizen)


def test_phone_change_sends_a_code_to_the_new_number(citizen: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    client = _signed_in(citizen)
    response = client.post("/akun/hp/", _phone_post("0813-1111-2222"))
    assert response.status_code == 302 and response["Location"] == "/akun/verifikasi/#verifikasi-hp"
    user = User.objects.get(pk=citizen.pk)
    assert user.phone == "+6281311112222"
    profile = CitizenProfile.objects.get(user=user)
    assert profile.phone_verified_at is None and profile.email_verified_at is not None
    assert queries.report_channel(user) == ChannelChoices.POT
    assert PhoneCode.objects.get(user=user).phone == "+6281311112222"

    code = re.findall(r"\b(\d{6})\b", caplog.text)[-1]
    assert client.post("/akun/verifikasi/hp/", {"code": code}).status_code == 302
    assert queries.report_channel(User.objects.get(pk=citizen.pk)) == ChannelChoices.SOROT


def test_a_code_sent_to_the_old_number_does_not_verify_the_new_one(
    unverified_citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    services.send_phone_code(unverified_citizen, client="203.0.113.9")
    old_code = re.findall(r"\b(\d{6})\b", caplog.text)[-1]
    services.change_phone(unverified_citizen, phone="0813 1111 2222", password=PASSWORD)
    assert not PhoneCode.objects.filter(user=unverified_citizen).exists()
    with pytest.raises(InvalidInput) as caught:
        services.verify_phone(unverified_citizen, old_code)
    assert caught.value.code == "no_code"
    assert CitizenProfile.objects.get(user=unverified_citizen).phone_verified_at is None


def test_a_number_of_a_staff_account_is_free(citizen: User) -> None:
    make_user(RoleChoices.POC_OPERATOR, phone="+6281311112222")
    services.change_phone(citizen, phone="0813 1111 2222", password=PASSWORD)
    assert User.objects.get(pk=citizen.pk).phone == "+6281311112222"


def test_code_rate_limits_still_apply_to_the_new_number(citizen: User) -> None:
    client = _signed_in(citizen)
    assert client.post("/akun/hp/", _phone_post("0813 1111 2222")).status_code == 302  # the first code
    for _ in range(2):
        assert client.post("/akun/verifikasi/hp/kirim/").status_code == 302
    refused = client.post("/akun/verifikasi/hp/kirim/")
    assert refused.status_code == 429 and "Tunggu 10 menit" in _text(refused)


# --- limits -----------------------------------------------------------------------------------------


def test_change_attempts_are_limited_per_account(citizen: User) -> None:
    client = _signed_in(citizen)
    statuses = [
        client.post("/akun/email/", _email_post("baru@example.org", "tebakan-2026")).status_code for _ in range(5)
    ]
    assert statuses == [400] * 5
    refused = client.post("/akun/hp/", _phone_post("0813 1111 2222"))
    assert refused.status_code == 429 and "Terlalu banyak percobaan" in _text(refused)
    assert 'id="id_ganti-hp-password_error"' in _text(refused)
    _unchanged(citizen)


def test_only_citizens_change_here(citizen: User) -> None:
    officer = make_user(RoleChoices.POC_OPERATOR)
    client = _signed_in(officer)
    assert client.post("/akun/email/", _email_post("x@example.org")).status_code == 403
    assert Client().post("/akun/hp/", _phone_post("0813 1111 2222"))["Location"].startswith("/masuk/")
    assert client.get("/akun/email/").status_code in {403, 405}


def test_another_citizens_change_is_isolated(citizen: User) -> None:
    other = make_citizen("rina@example.org", phone="+6281355556666")
    services.change_email(citizen, email="siti.baru@example.org", password=PASSWORD)
    assert queries.report_channel(other) == ChannelChoices.SOROT
