"""The second sign-in factor: TOTP devices (RFC 6238) with encrypted secrets, one-time recovery codes, throttling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import time
from datetime import datetime, timedelta

import pyotp
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import RecoveryCode, TotpDevice, User
from patriot.core.errors import DomainError, InvalidInput, RateLimited

STEP_SECONDS = 30
DIGITS = 6
# A code of the step just before or after now is accepted too: phone clocks drift and people type slowly.
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# 12 characters of 31 unambiguous ones (≈ 59 bits): too many to guess even from a stolen hash.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 12
# Published with the demo password (README, `make run`): the authenticator secret of the demo accounts.
DEMO_SECRET = "PATRIOTDEMOKOTABEKASIWALIKOTAPOC"  # noqa: S105


class SecondFactorLocked(RateLimited):
    """Too many wrong codes for this account: the code step is closed for a while (HTTP 429, Retry-After the rest
    of the lockout). A RateLimited like every other limit, with its own code `locked_out`."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after, field="code")
        self.code = "locked_out"


def is_required(user: User) -> bool:
    """Whether the user must sign in with a second factor: the roles with power over the whole city."""
    return user.role in RoleChoices.SECOND_FACTOR_ROLES or user.is_superuser


def may_use(user: User) -> bool:
    """Staff may turn the second factor on; citizens sign in with their password alone."""
    return user.is_staff_role or user.is_superuser


def confirmed_device(user: User) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def second_step_needed(user: User) -> bool:
    """After the password: must this user still prove the second factor (or enrol one) before the session opens?"""
    return is_required(user) or confirmed_device(user) is not None


# --- the secret, encrypted at rest ------------------------------------------------------------


def _cipher() -> MultiFernet:
    # Keys derive from the secret key; SECRET_KEY_FALLBACKS still decrypt, so the key can be rotated.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac("patriot.accounts.totp", "secret", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def _encrypt(secret: str) -> str:
    return _cipher().encrypt(secret.encode()).decode()


def secret_of(device: TotpDevice) -> str:
    return _cipher().decrypt(device.encrypted_secret.encode()).decode()


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(secret_of(device), digits=DIGITS, interval=STEP_SECONDS)


def provisioning_uri(device: TotpDevice) -> str:
    """The otpauth:// address an authenticator app reads (typed or from the QR code)."""
    return _totp(device).provisioning_uri(
        name=device.user.username, issuer_name=f"Patriot {settings.PATRIOT_CITY_NAME}"
    )


def code_for(secret: str, at: float | None = None) -> str:
    """The code an authenticator app with `secret` shows at `at` (now by default)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(int(time.time() if at is None else at))


# --- enrolment --------------------------------------------------------------------------------


@transaction.atomic
def start_enrolment(user: User) -> TotpDevice:
    """A device with a fresh secret waiting for its first code; the same one while enrolment is unfinished."""
    if not may_use(user):
        raise InvalidInput(_("Verifikasi dua langkah hanya untuk akun petugas."))
    device, _created = TotpDevice.objects.get_or_create(
        user=user, defaults={"encrypted_secret": _encrypt(pyotp.random_base32(32))}
    )
    if device.confirmed_at is not None:
        raise InvalidInput(_("Verifikasi dua langkah sudah aktif."))
    return device


def confirm_enrolment(device: TotpDevice, code: str) -> list[str]:
    """The first right code turns the device on; returns the recovery codes, which are shown once only."""
    if device.confirmed_at is not None:
        raise InvalidInput(_("Verifikasi dua langkah sudah aktif."))
    verify(device, code, allow_recovery=False)
    with transaction.atomic():
        TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
        device.refresh_from_db()
        return _new_recovery_codes(device)


def regenerate_recovery_codes(device: TotpDevice, code: str) -> list[str]:
    """Replaces every recovery code after a right code from the app; the old ones stop working."""
    verify(device, code, allow_recovery=False)
    with transaction.atomic():
        return _new_recovery_codes(device)


def _new_recovery_codes(device: TotpDevice) -> list[str]:
    RecoveryCode.objects.filter(device=device).delete()
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(RecoveryCode(device=device, code_hash=_hash(code)) for code in codes)
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


def recovery_codes_left(device: TotpDevice) -> int:
    return RecoveryCode.objects.filter(device=device, used_at__isnull=True).count()


def turn_off(user: User, code: str) -> None:
    """The person switches their own second factor off with a right code; refused for roles that must keep it."""
    device = confirmed_device(user)
    if device is None:
        raise InvalidInput(_("Verifikasi dua langkah belum aktif."))
    if is_required(user):
        raise InvalidInput(_("Peran Anda wajib memakai verifikasi dua langkah."))
    verify(device, code, allow_recovery=False)
    device.delete()


def reset(user: User) -> bool:
    """An administrator removes the device (a lost phone); the person enrols again at the next sign-in if required.

    Returns whether there was a device."""
    deleted, _per_model = TotpDevice.objects.filter(user=user).delete()
    return deleted > 0


def set_demo_device(user: User) -> None:
    """Demo accounts use the published DEMO_SECRET, so anyone trying the demo can sign in."""
    if not settings.PATRIOT_DEMO:
        raise InvalidInput("Demo authenticator secrets exist only when PATRIOT_DEMO is on.")
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None and secret_of(device) == DEMO_SECRET:
        return
    TotpDevice.objects.update_or_create(
        user=user, defaults={"encrypted_secret": _encrypt(DEMO_SECRET), "confirmed_at": timezone.now()}
    )


def demo_code(user: User) -> str:
    """The current code of a demo account; refused for any other secret, which must never leave the server."""
    device = confirmed_device(user)
    if device is None or not hmac.compare_digest(secret_of(device), DEMO_SECRET):
        raise InvalidInput(f"{user.username} does not use the published demo authenticator secret.")
    return code_for(DEMO_SECRET)


# --- checking a code --------------------------------------------------------------------------


def verify(device: TotpDevice, code: str, *, allow_recovery: bool = True) -> bool:
    """Accepts a code from the app (or, if allowed, an unused recovery code) or raises; returns True for a recovery code.

    A code is good once: a later step must be used next time. Wrong codes count against the device; after
    PATRIOT_TOTP_MAX_FAILURES of them the device refuses every code for PATRIOT_TOTP_LOCKOUT_SECONDS. The lock check,
    the code check and the count happen under one row lock, so parallel guesses cannot slip past the lockout; the
    refusal is raised after the commit, so the count stays.
    """
    now = timezone.now()
    text = "".join(code.split()).replace("-", "").lower()
    with transaction.atomic():
        row = TotpDevice.objects.select_for_update().get(pk=device.pk)
        if row.locked_until is not None and row.locked_until > now:
            refusal: DomainError = _locked_error(row.locked_until - now)
        else:
            used_recovery = False
            if len(text) == DIGITS and text.isascii() and text.isdigit():
                accepted = _accept_app_code(row, text)
            elif allow_recovery and len(text) == RECOVERY_LENGTH:
                accepted = used_recovery = _use_recovery_code(row, text, now)
            else:
                accepted = False
            if accepted:
                row.failed_attempts = 0
                row.save(update_fields=["failed_attempts"])
                return used_recovery
            refusal = _count_failure(row, now)
    raise refusal


def _accept_app_code(device: TotpDevice, code: str) -> bool:
    totp = _totp(device)
    current = int(time.time()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            # One conditional UPDATE: of two requests with the same code only one moves the step forward.
            fresh = Q(last_used_step__isnull=True) | Q(last_used_step__lt=step)
            return TotpDevice.objects.filter(fresh, pk=device.pk).update(last_used_step=step) == 1
    return False


def _use_recovery_code(device: TotpDevice, code: str, now: datetime) -> bool:
    unused = RecoveryCode.objects.filter(device=device, code_hash=_hash(code), used_at__isnull=True)
    return unused.update(used_at=now) == 1


def _count_failure(row: TotpDevice, now: datetime) -> DomainError:
    """Counts one wrong code on the locked row; returns the refusal to raise (closing the step at the limit)."""
    row.failed_attempts += 1
    if row.failed_attempts < settings.PATRIOT_TOTP_MAX_FAILURES:
        row.save(update_fields=["failed_attempts"])
        return InvalidInput(
            _("Kode salah atau sudah dipakai. Masukkan kode terbaru dari aplikasi autentikator."), field="code"
        )
    row.failed_attempts = 0
    row.locked_until = now + timedelta(seconds=settings.PATRIOT_TOTP_LOCKOUT_SECONDS)
    row.save(update_fields=["failed_attempts", "locked_until"])
    return _locked_error(row.locked_until - now)


def _locked_error(remaining: timedelta) -> SecondFactorLocked:
    minutes = max(1, math.ceil(remaining.total_seconds() / 60))
    return SecondFactorLocked(
        ngettext(
            "Terlalu banyak kode salah. Coba lagi dalam %(minutes)d menit.",
            "Terlalu banyak kode salah. Coba lagi dalam %(minutes)d menit.",
            minutes,
        )
        % {"minutes": minutes},
        retry_after=math.ceil(remaining.total_seconds()),
    )


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
