"""The NIK (Nomor Induk Kependudukan): 16 digits — province, regency and district (6), date of birth as DDMMYY with
40 added to the day for women, and a 4-digit serial. `check_nik` refuses a number that does not agree with the
date of birth and sex given; `nik_digest` is the keyed hash stored for exact-match search; `mask_nik` what lists
show."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from patriot.core.errors import InvalidInput

FEMALE = "female"
MALE = "male"


def check_nik(nik: str, *, birth_date: date, sex: str) -> str:
    """The NIK without spaces, or InvalidInput (field "nik") saying what does not agree."""
    digits = "".join(nik.split())
    if len(digits) != 16 or not digits.isdigit():
        raise InvalidInput(_("NIK harus terdiri dari 16 angka."), code="invalid_nik", field="nik")
    province = int(digits[:2])
    if not 11 <= province <= 96:
        raise InvalidInput(_("Dua angka pertama NIK bukan kode provinsi."), code="invalid_nik", field="nik")
    day, month, year = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    encoded_female = day > 40
    if encoded_female:
        day -= 40
    try:
        date(2000 + year if year <= 99 else year, month, day)
    except ValueError:
        raise InvalidInput(
            _("Angka ke-7 sampai ke-12 NIK bukan tanggal lahir yang mungkin (DDMMYY; perempuan: tanggal + 40)."),
            code="invalid_nik",
            field="nik",
        ) from None
    if digits[12:] == "0000":
        raise InvalidInput(_("Empat angka terakhir NIK tidak boleh 0000."), code="invalid_nik", field="nik")
    if (day, month, year) != (birth_date.day, birth_date.month, birth_date.year % 100):
        raise InvalidInput(
            _("Tanggal lahir dalam NIK (%(nik_date)s) tidak sama dengan tanggal lahir pasien (%(birth_date)s).")
            % {"nik_date": f"{day:02d}-{month:02d}-{year:02d}", "birth_date": birth_date.strftime("%d-%m-%y")},
            code="nik_birth_date",
            field="nik",
        )
    if encoded_female != (sex == FEMALE):
        raise InvalidInput(
            _("NIK ini milik seorang perempuan, tetapi jenis kelamin pasien laki-laki.")
            if encoded_female
            else _("NIK ini milik seorang laki-laki, tetapi jenis kelamin pasien perempuan."),
            code="nik_sex",
            field="nik",
        )
    return digits


def nik_digest(nik: str) -> str:
    """A keyed hash (HMAC-SHA256 under a key derived from SECRET_KEY) of the NIK: equal NIKs give equal digests, so
    an exact search is an index lookup; the digest alone does not give the NIK back."""
    key = salted_hmac("patriot.referrals.nik", "digest", secret=settings.SECRET_KEY, algorithm="sha256").digest()
    return hmac.new(key, "".join(nik.split()).encode(), hashlib.sha256).hexdigest()


def _cipher() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac("patriot.referrals.nik", "encrypt", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def encrypt_nik(nik: str) -> str:
    return _cipher().encrypt(nik.encode()).decode()


def decrypt_nik(token: str) -> str:
    return _cipher().decrypt(token.encode()).decode() if token else ""


def mask_nik(last_digits: str) -> str:
    return f"************{last_digits}" if last_digits else ""
