"""Phone numbers, one way for the whole platform: whatever people type becomes E.164 ("+6281234567890").

Every number Patriot stores (reporters' numbers on cases, citizens' account numbers, callers on the call log)
goes through `normalise_phone`, so lookups and searches compare E.164 strings exactly (and use their indexes)
instead of guessing how someone might have typed a number.

    normalise_phone("0812-3456-7890")                  → "+6281234567890"
    normalise_phone("62 812 3456 7890")                → "+6281234567890"
    normalise_phone("(021) 8895 1234")                 → "+622188951234"   (landlines are fine …)
    normalise_phone("(021) 8895 1234", mobile_only=True)  raises InvalidInput  (… unless an SMS must reach it)
    normalise_phone("+44 20 7946 0958")                raises InvalidInput  (foreign numbers are refused …)
    normalise_phone("+44 20 7946 0958", allow_foreign=True) → "+442079460958"   (… unless the caller allows them)

A number without a country code is read as Indonesian (0812…, 62812…, +62 (0)812…). Refusals are
`patriot.core.errors.InvalidInput` with a code (required, too_long, invalid_phone, foreign_phone,
not_mobile), the given field name and a message in the user's language that names the field.
"""

from __future__ import annotations

import re

import phonenumbers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from patriot.core.errors import InvalidInput

# Numbers without a country code are Indonesian: the city's own numbering plan (+62).
REGION = "ID"
COUNTRY_CODE = phonenumbers.country_code_for_region(REGION)
# Typed text longer than this is not a phone number, however it is grouped ("+62 (0) 812 - 3456 - 7890" is 25).
MAX_INPUT_LENGTH = 32


# The forms nearly everyone types (0812…, +62812…, 62812…, grouped with spaces or dashes) are read without the full
# parser, which costs several times more; anything else, and any number the shortcut does not accept, goes to it.
_SEPARATORS = str.maketrans("", "", " -")
_METADATA = phonenumbers.PhoneMetadata.metadata_for_region(REGION)
if _METADATA is None:
    raise RuntimeError(f"phonenumbers has no numbering plan for {REGION}")


class _Description:
    """One of the numbering plan's number descriptions: its lengths and pattern, as phonenumbers matches them."""

    def __init__(self, description: phonenumbers.PhoneNumberDesc | None) -> None:
        if description is None or description.national_number_pattern is None:
            raise RuntimeError(f"phonenumbers' numbering plan for {REGION} lacks a description the shortcut reads")
        self.lengths = frozenset(description.possible_length)
        self.pattern = re.compile(description.national_number_pattern)

    def matches(self, national: str) -> bool:
        return len(national) in self.lengths and self.pattern.fullmatch(national) is not None


_ANY_NUMBER = _Description(_METADATA.general_desc)
_MOBILE_NUMBER = _Description(_METADATA.mobile)


def normalise_phone(
    text: str | None,
    *,
    field: str = "phone",
    label: str | Promise | None = None,
    mobile_only: bool = False,
    allow_foreign: bool = False,
) -> str:
    """`text` as an E.164 string, or InvalidInput naming `field` (and `label`, its name on the page).

    mobile_only: an Indonesian mobile number that can receive SMS (account registration); landlines are refused.
    allow_foreign: accept valid numbers of other countries too (a caller ID, a visitor's contact number).
    Empty text is refused (code "required"): callers with an optional number check for "" first.
    """
    if text and len(text) <= MAX_INPUT_LENGTH and (e164 := _common_indonesian_form(text, mobile_only)):
        return e164
    return _parsed(text, field=field, label=label, mobile_only=mobile_only, allow_foreign=allow_foreign)


def _common_indonesian_form(text: str, mobile_only: bool) -> str | None:
    """The E.164 string of an accepted Indonesian number typed in a common form, else None (ask the parser).

    Gives what the parser gives for the same text: it takes off the trunk prefix 0 or the country code 62 as the
    parser does (62 only where the digits with it are no Indonesian number, as the parser decides), and a number
    is valid as phonenumbers decides it: the plan's general and mobile descriptions both match (lengths, then the
    pattern), else phonenumbers itself is asked.
    """
    digits = text.strip().translate(_SEPARATORS)
    if digits.startswith("08"):
        national = digits[1:]
    elif digits.startswith("+628"):
        national = digits[3:]
    elif digits.startswith("628") and _ANY_NUMBER.pattern.fullmatch(digits) is None:
        national = digits[2:]
    else:
        return None
    if not (national.isascii() and national.isdigit()):
        return None
    if mobile_only or not (_ANY_NUMBER.matches(national) and _MOBILE_NUMBER.matches(national)):
        # A number the mobile plan holds is valid whatever other plans hold it too; anything else is for
        # phonenumbers to judge, and whether a valid number is a mobile one depends on every plan's order.
        number = phonenumbers.PhoneNumber(country_code=COUNTRY_CODE, national_number=int(national))
        if not phonenumbers.is_valid_number(number):
            return None
        if mobile_only and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
            return None
    return f"+{COUNTRY_CODE}{national}"


def _parsed(
    text: str | None, *, field: str, label: str | Promise | None, mobile_only: bool, allow_foreign: bool
) -> str:
    label = label or (_("Nomor HP") if mobile_only else _("Nomor telepon"))
    typed = (text or "").strip()
    if not typed:
        raise InvalidInput(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field)
    if len(typed) > MAX_INPUT_LENGTH:
        raise InvalidInput(
            _("%(label)s paling banyak %(limit)d karakter.") % {"label": label, "limit": MAX_INPUT_LENGTH},
            code="too_long",
            field=field,
        )
    try:
        number = phonenumbers.parse(typed, REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput(
            _("%(label)s tidak dikenali. Tulis seperti 0812 3456 7890.") % {"label": label},
            code="invalid_phone",
            field=field,
        ) from None
    if number.country_code != COUNTRY_CODE and (mobile_only or not allow_foreign):
        raise InvalidInput(
            _("%(label)s harus nomor Indonesia (+62).") % {"label": label}, code="foreign_phone", field=field
        )
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(
            _("%(label)s tidak valid. Periksa jumlah digitnya.") % {"label": label}, code="invalid_phone", field=field
        )
    if mobile_only and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        raise InvalidInput(
            str(_("Ini nomor telepon rumah atau kantor. Gunakan nomor HP yang dapat menerima SMS.")),
            code="not_mobile",
            field=field,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
