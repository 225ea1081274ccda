"""Reading Open311 parameters: the GET requests filters and the POST requests form, with the spec's names."""

from __future__ import annotations

import math
import re
from datetime import datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from patriot.cases.models import Category
from patriot.cases.sla import city_zone
from patriot.core import clock
from patriot.core.errors import InvalidInput
from patriot.open311 import queries, serializers
from patriot.open311.choices import RequestStatusChoices
from patriot.open311.errors import NotFound
from patriot.open311.services import ServiceRequestIn

DEFAULT_WINDOW = timedelta(days=90)
MAX_DESCRIPTION_LENGTH = serializers.MAX_DESCRIPTION_LENGTH
MAX_MEDIA_URL_LENGTH = 1000
MAX_IDS = 1000
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# An unencoded "+07:00" in a query string arrives as " 07:00".
_LOST_PLUS = re.compile(r"^(.*T[\d:.]+) (\d{2}:?\d{2})$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")


def _invalid(parameter: str, message: str) -> InvalidInput:
    """A refusal naming the Open311 parameter; the view writes it as "parameter: message"."""
    return InvalidInput(message, code="invalid", field=parameter)


def parse_datetime(value: str, *, parameter: str, end: bool = False) -> datetime:
    """A W3C date or datetime. A date alone is a whole day in the city's zone (as an end: its last instant);
    no offset means the city's time."""
    text = value.strip()
    if match := _LOST_PLUS.match(text):
        text = f"{match.group(1)}+{match.group(2)}"
    try:
        if _DATE_ONLY.match(text):
            day = datetime.combine(datetime.fromisoformat(text).date(), time.min, tzinfo=city_zone())
            return day + timedelta(days=1, microseconds=-1) if end else day
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _invalid(parameter, _("bukan tanggal/waktu W3C yang valid (mis. 2026-11-02T08:00:00+07:00).")) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=city_zone())


def _comma_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _positive_int(query: QueryDict, name: str, default: int, maximum: int | None = None) -> int:
    raw = query.get(name)
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        number = 0
    if number < 1 or (maximum is not None and number > maximum):
        limit = _("bilangan bulat 1 sampai %(max)d") % {"max": maximum} if maximum else _("bilangan bulat positif")
        raise _invalid(name, _("harus %(what)s.") % {"what": limit})
    return number


def request_ids(query: QueryDict) -> list[str]:
    """service_request_id=ID,ID,…: when given it overrides every other filter (the spec)."""
    ids = _comma_list(query.get("service_request_id"))
    if len(ids) > MAX_IDS:
        raise _invalid("service_request_id", _("paling banyak %(n)d id sekaligus.") % {"n": MAX_IDS})
    return ids


def request_search(query: QueryDict) -> queries.RequestSearch:
    """The spec's filters with its defaults: the last 90 days, the 1000 newest; a range may span 90 days at most.

    Both ends are included ("Earliest/Latest datetime to include in search")."""
    start = parse_datetime(given, parameter="start_date") if (given := query.get("start_date")) else None
    end = parse_datetime(given, parameter="end_date", end=True) if (given := query.get("end_date")) else None
    if start is None and end is None:
        end = clock.now()
    if start is None:
        assert end is not None
        start = end - DEFAULT_WINDOW
    if end is None:
        end = start + DEFAULT_WINDOW
    if end < start:
        raise _invalid("end_date", _("tidak boleh sebelum start_date."))
    if end - start > DEFAULT_WINDOW:
        raise _invalid("end_date", _("rentang start_date sampai end_date paling panjang 90 hari."))
    statuses = frozenset(_comma_list(query.get("status")))
    if not statuses <= set(RequestStatusChoices.values()):
        raise _invalid("status", _("harus open, closed, atau keduanya dipisah koma."))
    return queries.RequestSearch(
        start=start,
        end=end,
        service_codes=tuple(_comma_list(query.get("service_code"))),
        statuses=statuses,
        page=_positive_int(query, "page", 1),
        page_size=_positive_int(query, "page_size", queries.MAX_PAGE_SIZE, queries.MAX_PAGE_SIZE),
    )


# --- POST requests --------------------------------------------------------------------------


def _coordinate(form: QueryDict, name: str, limit: float) -> float:
    try:
        value = float(form.get(name, ""))  # called for a given coordinate only
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > limit:
        raise _invalid(name, _("harus berupa angka derajat WGS84."))
    return value


def _location(form: QueryDict) -> tuple[float, float]:
    has_lat, has_long = bool(form.get("lat")), bool(form.get("long"))
    if has_lat and has_long:
        return _coordinate(form, "lat", 90), _coordinate(form, "long", 180)
    if form.get("address_string") or form.get("address_id"):
        # Every case is placed in a kelurahan from its point (routing and SLA depend on it); a street
        # address alone cannot be placed reliably without a geocoder the city does not run.
        raise _invalid(
            "lat/long",
            _(
                "lokasi wajib berupa lat dan long; address_string atau address_id saja tidak cukup untuk menempatkan laporan."
            ),
        )
    raise _invalid("lat/long", _("lat dan long wajib diisi."))


def _attributes(form: QueryDict, category: Category) -> dict[str, Any]:
    """attribute[CODE]=value, and attribute[CODE][]=key for each chosen key of a multivaluelist."""
    definitions = {definition["code"]: definition for definition in category.attributes}
    values: dict[str, Any] = {}
    for name in form:
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        code = match.group(1)
        given = [value for value in form.getlist(name) if value != ""]
        datatype = definitions.get(code, {}).get("datatype", "string")
        if datatype == "multivaluelist":
            values.setdefault(code, []).extend(given)
        elif given:
            values[code] = given[-1]
            if datatype == "datetime":
                parse_datetime(given[-1], parameter=f"attribute[{code}]")
    return values


def _email(raw: str) -> str:
    if raw:
        try:
            validate_email(raw)
        except ValidationError:
            raise _invalid("email", _("bukan alamat email yang valid.")) from None
    return raw


def _media_url(raw: str) -> str:
    if not raw:
        return ""
    if len(raw) > MAX_MEDIA_URL_LENGTH:
        raise _invalid("media_url", _("paling panjang %(n)d karakter.") % {"n": MAX_MEDIA_URL_LENGTH})
    try:
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError:
        raise _invalid("media_url", _("bukan URL http(s) yang valid.")) from None
    return raw


def service_request(request: HttpRequest) -> ServiceRequestIn:
    """The POST form (urlencoded or multipart). Unknown parameters such as device_id and account_id are ignored."""
    form = request.POST
    code = (form.get("service_code") or "").strip()
    if not code:
        raise _invalid("service_code", _("wajib diisi."))
    category = queries.service(code)
    if category is None:
        # The spec: "404 - service_code or jurisdiction_id was not found (specified in error response)".
        raise NotFound(_("layanan %(code)s tidak ditemukan.") % {"code": code}, code="not_found", field="service_code")
    latitude, longitude = _location(form)
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION_LENGTH:
        raise _invalid("description", _("paling banyak %(n)d karakter.") % {"n": MAX_DESCRIPTION_LENGTH})
    name = " ".join(part for part in (form.get("first_name", "").strip(), form.get("last_name", "").strip()) if part)
    return ServiceRequestIn(
        category=category,
        latitude=latitude,
        longitude=longitude,
        description=description,
        address=(form.get("address_string") or "").strip(),
        attributes=_attributes(form, category),
        media_url=_media_url((form.get("media_url") or "").strip()),
        reporter_name=name,
        reporter_email=_email((form.get("email") or "").strip()),
        # Normalised to E.164 (or refused as `phone`) by the case services, like every channel's number.
        reporter_phone=(form.get("phone") or "").strip(),
    )
