"""Registration, email links and phone codes (patriot.citizens.services)."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail, signing

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.citizens import services
from patriot.citizens.models import CitizenProfile, PhoneCode
from patriot.core import clock
from patriot.core.errors import InvalidInput
from tests.citizens.conftest import PASSWORD, make_citizen

pytestmark = pytest.mark.django_db


def _register(**overrides: str) -> User:
    values = {"name": "Siti Aminah", "phone": "0812 3456 7890", "email": "Siti@Example.org", "password": PASSWORD}
    values.update(overrides)
    return services.register_citizen(**values)


def test_registration_makes_a_citizen_signed_in_by_email() -> None:
    user = _register(language="en")
    assert user.username == "siti@example.org" and user.email == "siti@example.org"
    assert user.role == RoleChoices.CITIZEN and user.phone == "+6281234567890"
    assert user.check_password(PASSWORD)
    profile = CitizenProfile.objects.get(user=user)
    assert profile.language == "en" and not profile.is_verified


def test_duplicate_email_and_phone_are_refused() -> None:
    _register()
    with pytest.raises(InvalidInput) as caught:
        _register(email="SITI@example.org", phone="081311112222")
    assert caught.value.code == "duplicate_email" and caught.value.field == "email"
    with pytest.raises(InvalidInput) as caught:
        _register(email="lain@example.org", phone="+62 812-3456-7890")
    assert caught.value.code == "duplicate_phone" and caught.value.field == "phone"
    assert User.objects.count() == 1


def test_weak_password_is_refused_with_the_validators_reasons() -> None:
    with pytest.raises(InvalidInput) as caught:
        _register(password="12345678")
    assert caught.value.field == "password"
    assert not User.objects.exists()


def test_registrations_are_rate_limited_per_address() -> None:
    for number in range(services.REGISTRATIONS_PER_ADDRESS):
        _register(email=f"w{number}@example.org", phone=f"08131111{number:04d}", client="10.0.0.9")
    with pytest.raises(services.RateLimited) as caught:
        _register(email="lagi@example.org", phone="081399998888", client="10.0.0.9")
    assert caught.value.status_code == 429


# --- email links -------------------------------------------------------------------------------------


def _link_token() -> str:
    body = mail.outbox[-1].body
    return body.split("/akun/verifikasi/email/", 1)[1].split("/", 1)[0]


def test_email_link_is_sent_and_verifies(unverified_citizen: User) -> None:
    services.send_email_verification(
        unverified_citizen, link_for=lambda token: f"https://patriot.example/akun/verifikasi/email/{token}/"
    )
    assert mail.outbox[-1].to == ["budi@example.org"]
    services.verify_email(_link_token())
    assert CitizenProfile.objects.get(user=unverified_citizen).email_verified_at is not None


def test_expired_email_link_is_refused(unverified_citizen: User) -> None:
    token = services.email_token(unverified_citizen)
    later = clock.now() + services.EMAIL_LINK_MAX_AGE + timedelta(minutes=1)
    with time_machine.travel(later), pytest.raises(InvalidInput) as caught:
        services.verify_email(token)
    assert caught.value.code == "expired"
    assert CitizenProfile.objects.get(user=unverified_citizen).email_verified_at is None


def test_tampered_email_link_is_refused(unverified_citizen: User) -> None:
    other = make_citizen("andi@example.org", phone="+6281311110000", verified=False)
    token = services.email_token(unverified_citizen)
    forged = signing.dumps({"u": other.pk, "e": other.email}, salt="another-salt", compress=True)
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "rubbish"):
        with pytest.raises(InvalidInput) as caught:
            services.verify_email(bad)
        assert caught.value.code == "invalid"
    assert not CitizenProfile.objects.filter(email_verified_at__isnull=False).exists()


def test_email_link_for_an_old_address_does_not_verify_the_new_one(unverified_citizen: User) -> None:
    token = services.email_token(unverified_citizen)
    User.objects.filter(pk=unverified_citizen.pk).update(email="baru@example.org")
    with pytest.raises(InvalidInput):
        services.verify_email(token)


def test_verification_emails_are_rate_limited(unverified_citizen: User) -> None:
    for _ in range(services.VERIFICATION_EMAILS_PER_ACCOUNT):
        services.send_email_verification(unverified_citizen, link_for=lambda token: token)
    with pytest.raises(services.RateLimited):
        services.send_email_verification(unverified_citizen, link_for=lambda token: token)
    assert len(mail.outbox) == services.VERIFICATION_EMAILS_PER_ACCOUNT


# --- phone codes -------------------------------------------------------------------------------------


def _digits(message: str) -> str:
    found = re.search(r"\b(\d{6})\b", message)
    assert found, message
    return found.group(1)


def test_phone_code_is_sent_hashed_and_verifies(unverified_citizen: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    services.send_phone_code(unverified_citizen, client="10.0.0.1")
    code = _digits([r.getMessage() for r in caplog.records if r.name == "patriot.sms"][-1])
    stored = PhoneCode.objects.get(user=unverified_citizen)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    services.verify_phone(unverified_citizen, code)
    assert CitizenProfile.objects.get(user=unverified_citizen).phone_verified_at is not None
    assert not PhoneCode.objects.exists()


def test_wrong_codes_count_and_the_fifth_voids_the_code(
    unverified_citizen: User, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    services.send_phone_code(unverified_citizen, client="10.0.0.1")
    code = _digits([r.getMessage() for r in caplog.records if r.name == "patriot.sms"][-1])
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for attempt in range(1, services.PHONE_CODE_MAX_ATTEMPTS):
        with pytest.raises(InvalidInput) as caught:
            services.verify_phone(unverified_citizen, wrong)
        assert caught.value.code == "wrong_code"
        assert PhoneCode.objects.get(user=unverified_citizen).attempts == attempt
    with pytest.raises(InvalidInput) as caught:
        services.verify_phone(unverified_citizen, wrong)
    assert caught.value.code == "too_many_attempts"
    # The right code no longer works once the attempts are used up.
    with pytest.raises(InvalidInput) as caught:
        services.verify_phone(unverified_citizen, code)
    assert caught.value.code == "no_code"
    assert CitizenProfile.objects.get(user=unverified_citizen).phone_verified_at is None


def test_expired_code_is_refused(unverified_citizen: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    services.send_phone_code(unverified_citizen, client="10.0.0.1")
    code = _digits([r.getMessage() for r in caplog.records if r.name == "patriot.sms"][-1])
    later = clock.now() + services.PHONE_CODE_LIFETIME + timedelta(seconds=1)
    with time_machine.travel(later), pytest.raises(InvalidInput) as caught:
        services.verify_phone(unverified_citizen, code)
    assert caught.value.code == "expired"


def test_a_new_code_replaces_the_old_one(unverified_citizen: User, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="patriot.sms")
    services.send_phone_code(unverified_citizen, client="10.0.0.1")
    first = _digits([r.getMessage() for r in caplog.records if r.name == "patriot.sms"][-1])
    services.send_phone_code(unverified_citizen, client="10.0.0.1")
    second = _digits([r.getMessage() for r in caplog.records if r.name == "patriot.sms"][-1])
    assert PhoneCode.objects.count() == 1
    if first != second:
        with pytest.raises(InvalidInput):
            services.verify_phone(unverified_citizen, first)
    services.verify_phone(unverified_citizen, second)


def test_codes_are_rate_limited_per_number_and_per_address(unverified_citizen: User) -> None:
    for _ in range(services.PHONE_CODES_PER_NUMBER):
        services.send_phone_code(unverified_citizen, client="10.0.0.1")
    with pytest.raises(services.RateLimited) as caught:
        services.send_phone_code(unverified_citizen, client="10.0.0.2")
    assert caught.value.status_code == 429 and "nomor ini" in caught.value.message
    others = [make_citizen(f"w{n}@example.org", phone=f"+62813111100{n:02d}", verified=False) for n in range(11)]
    for other in others[: services.PHONE_CODES_PER_ADDRESS]:
        services.send_phone_code(other, client="10.0.0.3")
    with pytest.raises(services.RateLimited) as caught:
        services.send_phone_code(others[-1], client="10.0.0.3")
    assert "alamat ini" in caught.value.message


def test_gateway_failure_is_a_clear_error_and_leaves_no_code(unverified_citizen: User, settings: object) -> None:
    settings.PATRIOT_SMS_GATEWAY = "http"  # type: ignore[attr-defined]
    settings.PATRIOT_SMS_GATEWAY_URL = "http://127.0.0.1:18399/tidak-ada"  # type: ignore[attr-defined]
    settings.PATRIOT_SMS_GATEWAY_TIMEOUT = 2  # type: ignore[attr-defined]
    with pytest.raises(services.DomainError) as caught:
        services.send_phone_code(unverified_citizen, client="10.0.0.1")
    assert caught.value.code == "sms_failed" and "SMS" in caught.value.message
    assert not PhoneCode.objects.exists()
