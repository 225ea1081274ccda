"""Changes to citizen accounts: registration, email and phone verification, preferences, deletion."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.models import Case
from patriot.cases.services import deidentify_reporter
from patriot.citizens import sms
from patriot.citizens.choices import ContactAudienceChoices
from patriot.citizens.models import CitizenProfile, ContactMessage, Notification, PhoneCode
from patriot.citizens.notify import contact_channels, send_contact_message
from patriot.core import clock
from patriot.core.errors import DomainError, InvalidInput, RateLimited
from patriot.core.mail import send_email
from patriot.core.phones import normalise_phone
from patriot.core.ratelimit import hit

EMAIL_LINK_SALT = "patriot.citizens.verify-email"
EMAIL_LINK_MAX_AGE = timedelta(days=3)
PHONE_CODE_LIFETIME = timedelta(minutes=10)
PHONE_CODE_MAX_ATTEMPTS = 5
# Codes per phone number and per client address in PHONE_CODE_WINDOW; verification emails per account.
PHONE_CODES_PER_NUMBER = 3
PHONE_CODES_PER_ADDRESS = 10
PHONE_CODE_WINDOW_SECONDS = 600
VERIFICATION_EMAILS_PER_ACCOUNT = 3
REGISTRATIONS_PER_ADDRESS = 10
REGISTRATION_WINDOW_SECONDS = 3600
# Attempts to change the email or phone (right or wrong password) per account in CONTACT_CHANGE_WINDOW.
CONTACT_CHANGES_PER_ACCOUNT = 5
CONTACT_CHANGE_WINDOW_SECONDS = 3600


def _minutes(seconds: int) -> int:
    return max(1, seconds // 60)


# --- registration ---------------------------------------------------------------------------


def profile_for(user: User) -> CitizenProfile:
    """The citizen's profile, made on first need (accounts created before SOROT, e.g. by the admin)."""
    profile, _created = CitizenProfile.objects.get_or_create(user=user, defaults={"created_at": clock.now()})
    return profile


def register_citizen(
    *, name: str, phone: str, email: str, password: str, language: str = "id", client: str = ""
) -> User:
    """A new citizen account. The username is the email address in lower case; the person signs in with it."""
    if client and not hit("register", client, REGISTRATIONS_PER_ADDRESS, REGISTRATION_WINDOW_SECONDS):
        raise RateLimited(
            _("Terlalu banyak pendaftaran dari alamat ini. Coba lagi dalam %(minutes)d menit.")
            % {"minutes": _minutes(REGISTRATION_WINDOW_SECONDS)},
            retry_after=REGISTRATION_WINDOW_SECONDS,
        )
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Nama wajib diisi."), code="required", field="name")
    if len(name) > 150:
        raise InvalidInput(_("Nama paling banyak 150 karakter."), code="too_long", field="name")
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Alamat email tidak valid."), code="invalid_email", field="email") from None
    if len(email) > 150:
        raise InvalidInput(_("Alamat email paling banyak 150 karakter."), code="too_long", field="email")
    phone = normalise_phone(phone, mobile_only=True)
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise InvalidInput(
            _("Email ini sudah terdaftar. Masuk, atau atur ulang kata sandi bila lupa."),
            code="duplicate_email",
            field="email",
        )
    if User.objects.filter(role=RoleChoices.CITIZEN, phone=phone).exists():
        raise InvalidInput(_("Nomor HP ini sudah dipakai akun lain."), code="duplicate_phone", field="phone")
    user = User(username=email, email=email, first_name=name, phone=phone, role=RoleChoices.CITIZEN)
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), code="weak_password", field="password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            CitizenProfile.objects.create(user=user, language=language[:8] or "id", created_at=clock.now())
    except IntegrityError:
        raise InvalidInput(
            _("Email ini sudah terdaftar. Masuk, atau atur ulang kata sandi bila lupa."),
            code="duplicate_email",
            field="email",
        ) from None
    return user


# --- email verification ---------------------------------------------------------------------


def email_token(user: User) -> str:
    """A signed, timestamped token naming the account and the address; a changed address voids it."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_LINK_SALT, compress=True)


def send_email_verification(user: User, *, link_for: Callable[[str], str]) -> None:
    """Email the verification link (`link_for(token)` makes the absolute URL); a few per account per 10 minutes."""
    if not hit("verify-email", str(user.pk), VERIFICATION_EMAILS_PER_ACCOUNT, PHONE_CODE_WINDOW_SECONDS):
        raise RateLimited(
            _(
                "Tautan verifikasi sudah dikirim beberapa kali. Periksa kotak masuk (juga folder spam) atau coba "
                "lagi dalam %(minutes)d menit."
            )
            % {"minutes": _minutes(PHONE_CODE_WINDOW_SECONDS)},
            retry_after=PHONE_CODE_WINDOW_SECONDS,
        )
    profile = profile_for(user)
    with override(profile.language):
        context = {
            "user": user,
            "link": link_for(email_token(user)),
            "days": EMAIL_LINK_MAX_AGE.days,
            "city": settings.PATRIOT_CITY_NAME,
        }
        subject = _("Verifikasi email akun Patriot Anda")
        body = render_to_string("citizens/email/verify_email.txt", context)
    # Queued (core/tasks.py): a mail server that is down delays the link, the worker tries again.
    send_email.enqueue(subject, body, [user.email])


def verify_email(token: str) -> User:
    """Mark the address in a valid, unexpired token as verified; returns the account."""
    try:
        data = signing.loads(token, salt=EMAIL_LINK_SALT, max_age=EMAIL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(
            _("Tautan verifikasi sudah kedaluwarsa. Masuk lalu minta tautan baru."), code="expired", field="token"
        ) from None
    except signing.BadSignature:
        raise InvalidInput(
            _("Tautan verifikasi tidak valid. Salin tautan dari email selengkapnya."), code="invalid", field="token"
        ) from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.lower() != data.get("e"):
        raise InvalidInput(_("Tautan verifikasi ini tidak berlaku untuk akun mana pun."), code="invalid", field="token")
    with transaction.atomic():
        profile = profile_for(user)
        if profile.email_verified_at is None:
            profile.email_verified_at = clock.now()
            profile.save(update_fields=["email_verified_at"])
    return user


# --- phone verification ---------------------------------------------------------------------


def _code_hash(user: User, phone: str, code: str) -> str:
    message = f"patriot.phone-code:{user.pk}:{phone}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def send_phone_code(user: User, *, client: str) -> None:
    """Send a new 6-digit code to the account's number (the previous one stops working); rate-limited."""
    phone = user.phone
    if not phone:
        raise InvalidInput(_("Akun ini belum mempunyai nomor HP."), code="required", field="phone")
    window = _minutes(PHONE_CODE_WINDOW_SECONDS)
    if not hit("phone-code-number", phone, PHONE_CODES_PER_NUMBER, PHONE_CODE_WINDOW_SECONDS):
        raise RateLimited(
            _("Kode sudah dikirim %(count)d kali ke nomor ini. Tunggu %(minutes)d menit sebelum meminta lagi.")
            % {"count": PHONE_CODES_PER_NUMBER, "minutes": window},
            field="code",
            retry_after=PHONE_CODE_WINDOW_SECONDS,
        )
    if not hit("phone-code-address", client, PHONE_CODES_PER_ADDRESS, PHONE_CODE_WINDOW_SECONDS):
        raise RateLimited(
            _("Terlalu banyak permintaan kode dari alamat ini. Tunggu %(minutes)d menit.") % {"minutes": window},
            field="code",
            retry_after=PHONE_CODE_WINDOW_SECONDS,
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    now = clock.now()
    with transaction.atomic():
        PhoneCode.objects.filter(user=user).delete()
        record = PhoneCode.objects.create(
            user=user,
            phone=phone,
            code_hash=_code_hash(user, phone, code),
            created_at=now,
            expires_at=now + PHONE_CODE_LIFETIME,
        )
    with override(profile_for(user).language):
        text = _(
            "Kode verifikasi Patriot Anda: %(code)s. Berlaku %(minutes)d menit. Jangan berikan kepada siapa pun."
        ) % {
            "code": code,
            "minutes": int(PHONE_CODE_LIFETIME.total_seconds() // 60),
        }
    try:
        sms.send(phone, text)
    except sms.SmsError as error:
        record.delete()
        raise DomainError(error.message, code="sms_failed", field="code") from error


def verify_phone(user: User, code: str) -> None:
    """Check the code sent to the account's number; wrong codes count, and too many void it."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        raise InvalidInput(_("Kode terdiri dari 6 angka."), code="invalid", field="code")
    with transaction.atomic():
        record = PhoneCode.objects.select_for_update().filter(user=user).first()
        if record is None or record.phone != user.phone:
            raise InvalidInput(_("Minta kode terlebih dahulu."), code="no_code", field="code")
        if record.expires_at <= clock.now():
            record.delete()
            raise InvalidInput(_("Kode sudah kedaluwarsa. Minta kode baru."), code="expired", field="code")
        if not hmac.compare_digest(record.code_hash, _code_hash(user, record.phone, code)):
            record.attempts += 1
            if record.attempts >= PHONE_CODE_MAX_ATTEMPTS:
                record.delete()
                failure = InvalidInput(
                    _("Kode salah %(count)d kali. Minta kode baru.") % {"count": PHONE_CODE_MAX_ATTEMPTS},
                    code="too_many_attempts",
                    field="code",
                )
            else:
                record.save(update_fields=["attempts"])
                left = PHONE_CODE_MAX_ATTEMPTS - record.attempts
                failure = InvalidInput(
                    _("Kode salah. Sisa %(left)d percobaan.") % {"left": left}, code="wrong_code", field="code"
                )
        else:
            record.delete()
            profile = profile_for(user)
            profile.phone_verified_at = clock.now()
            profile.save(update_fields=["phone_verified_at"])
            return
    # Raised outside the block so the counted attempt is committed, not rolled back with the error.
    raise failure


# --- changing the email or phone ------------------------------------------------------------


def _may_change_contact(user: User, password: str) -> None:
    """A citizen, within the per-account limit, who typed their current password."""
    if user.role != RoleChoices.CITIZEN:
        raise InvalidInput(_("Hanya akun warga yang dapat diubah di sini."), code="not_citizen")
    if not hit("contact-change", str(user.pk), CONTACT_CHANGES_PER_ACCOUNT, CONTACT_CHANGE_WINDOW_SECONDS):
        raise RateLimited(
            _("Terlalu banyak percobaan mengganti email atau nomor HP. Coba lagi dalam %(minutes)d menit.")
            % {"minutes": _minutes(CONTACT_CHANGE_WINDOW_SECONDS)},
            field="password",
            retry_after=CONTACT_CHANGE_WINDOW_SECONDS,
        )
    if not user.check_password(password or ""):
        raise InvalidInput(_("Kata sandi salah."), code="wrong_password", field="password")


def change_email(user: User, *, email: str, password: str) -> User:
    """A new sign-in address (username too), unverified until its own link is followed.

    Links sent for the old address name it, so they stop working (`verify_email` compares the address).
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Alamat email tidak valid."), code="invalid_email", field="email") from None
    if len(email) > 150:
        raise InvalidInput(_("Alamat email paling banyak 150 karakter."), code="too_long", field="email")
    if email == (user.email or "").lower() and email == user.username:
        raise InvalidInput(_("Ini sudah alamat email Anda."), code="unchanged", field="email")
    # The password before the duplicate check: nobody learns which addresses have accounts without it.
    _may_change_contact(user, password)
    duplicate = InvalidInput(_("Email ini sudah dipakai akun lain."), code="duplicate_email", field="email")
    if User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exclude(pk=user.pk).exists():
        raise duplicate
    try:
        with transaction.atomic():
            User.objects.filter(pk=user.pk).update(username=email, email=email)
            profile = profile_for(user)
            profile.email_verified_at = None
            profile.save(update_fields=["email_verified_at"])
    except IntegrityError:
        raise duplicate from None
    user.username = user.email = email
    return user


def change_phone(user: User, *, phone: str, password: str) -> User:
    """A new mobile number, unverified until the SMS code sent to it is confirmed; codes for the old one die."""
    phone = normalise_phone(phone, mobile_only=True)
    if phone == user.phone:
        raise InvalidInput(_("Ini sudah nomor HP Anda."), code="unchanged", field="phone")
    _may_change_contact(user, password)
    with transaction.atomic():
        if User.objects.filter(role=RoleChoices.CITIZEN, phone=phone).exclude(pk=user.pk).exists():
            raise InvalidInput(_("Nomor HP ini sudah dipakai akun lain."), code="duplicate_phone", field="phone")
        User.objects.filter(pk=user.pk).update(phone=phone)
        PhoneCode.objects.filter(user=user).delete()
        profile = profile_for(user)
        profile.phone_verified_at = None
        profile.save(update_fields=["phone_verified_at"])
    user.phone = phone
    return user


# --- preferences and notifications ----------------------------------------------------------


def set_preferences(user: User, *, notify_email: bool, notify_sms: bool) -> CitizenProfile:
    profile = profile_for(user)
    profile.notify_email = notify_email
    profile.notify_sms = notify_sms
    profile.save(update_fields=["notify_email", "notify_sms"])
    return profile


def remember_language(user: User, language: str) -> None:
    """Emails and SMS follow the language the citizen last used the site in."""
    CitizenProfile.objects.filter(user=user).exclude(language=language[:8]).update(language=language[:8])


def mark_read(user: User, *, case: Case | None = None) -> int:
    """Mark the user's unread notifications (of one case, or all) as read; returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if case is not None:
        unread = unread.filter(case=case)
    return unread.update(read_at=clock.now())


# --- deletion (UU PDP) ----------------------------------------------------------------------


def delete_account(user: User, *, password: str) -> int:
    """Delete a citizen's account after checking the password; their cases stay, de-identified.

    Returns the number of cases de-identified. Profile, codes, notifications and tokens go with the account.
    """
    if user.role != RoleChoices.CITIZEN:
        raise InvalidInput(_("Hanya akun warga yang dapat dihapus di sini."), code="not_citizen")
    if not user.check_password(password or ""):
        raise InvalidInput(_("Kata sandi salah."), code="wrong_password", field="password")
    with transaction.atomic():
        count = deidentify_reporter(user)
        user.delete()
    return count


def purge_notifications(before: datetime) -> int:
    """Retention: delete citizens' notifications (and their deliveries) and messages to contacts without an account
    made before `before`; returns how many.

    The relay's cursor has long passed their events, so none is made again.
    """
    deleted = Notification.objects.filter(created_at__lt=before).delete()[1]
    # Messages to contacts without an account hold their address: they go with the notifications.
    contacted = ContactMessage.objects.filter(created_at__lt=before).delete()[0]
    return deleted.get(Notification._meta.label, 0) + contacted


# --- the private link, sent again ---------------------------------------------------------------------

RESENDS_PER_CASE_PER_DAY = 3


def resend_private_link(number: str, *, address: str) -> None:
    """Send a report's private link again, only to the contact on record (email and/or SMS); says nothing back.

    The caller learns neither whether the number exists nor which contact it has: the page answers the same in
    every case. At most RESENDS_PER_CASE_PER_DAY per case (counted in the database, so it holds when Redis is down)
    and PATRIOT_INTAKE_RATE_PER_MINUTE requests per client address.
    """
    if not hit("resend-link", address, settings.PATRIOT_INTAKE_RATE_PER_MINUTE):
        raise RateLimited(_("Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."), retry_after=60)
    case = Case.objects.filter(tracking_number=number.strip().upper()).first()
    if case is None:
        return
    now = clock.now()
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()  # one resend decision at a time per case
        recent = (
            ContactMessage.objects.filter(case=case, entry__isnull=True, created_at__gte=now - timedelta(days=1))
            .values("created_at")
            .distinct()
            .count()
        )
        if recent >= RESENDS_PER_CASE_PER_DAY:
            return
        for channel, recipient in contact_channels(case.reporter_email, case.reporter_phone):
            message = ContactMessage.objects.create(
                case=case,
                own_case=case,
                audience=ContactAudienceChoices.REPORTER,
                channel=channel,
                recipient=recipient,
                language=case.reporter_language,  # the case's language, not the language of this request
                created_at=now,
            )
            send_contact_message.enqueue(message.pk)
