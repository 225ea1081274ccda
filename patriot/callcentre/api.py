"""The phone system's hook: POST /callcentre/api/incoming announces a ringing call to the consoles.

Authenticated with a shared secret (PATRIOT_CALLCENTRE_HOOK_SECRET, sent as `Authorization: Bearer <secret>`);
without one configured the hook is switched off and answers 503. Rate-limited per client address. A retried
announcement (same `call_id`, or the same Idempotency-Key header) returns the first call instead of a second one.

A withheld or unknown caller id rings as a call without a number: `caller_number` empty or null, or one of
"anonymous", "private", "withheld", "unknown", "restricted" (any case; services.WITHHELD_NUMBERS). The console
shows it as "Nomor disembunyikan" without a history lookup, and the operator may type the number the caller
gives. Any other value must read as a phone number (else 400 `invalid_phone`).
"""

from __future__ import annotations

import hmac
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.responses import Status

from patriot.callcentre import services
from patriot.core.api_errors import install_error_handlers
from patriot.core.errors import DomainError, Forbidden, RateLimited, Unauthenticated
from patriot.core.ratelimit import client_address, hit

DEFAULT_RATE_PER_MINUTE = 120


class HookDisabled(DomainError):
    status_code = 503


def shared_secret() -> str:
    return getattr(settings, "PATRIOT_CALLCENTRE_HOOK_SECRET", "") or ""


def phone_system(request: HttpRequest) -> bool:
    """Runs before the body is read: switched off (503), too many calls (429), no secret (401), wrong one (403)."""
    secret = shared_secret()
    if not secret:
        raise HookDisabled(
            _("Hook sistem telepon tidak aktif: PATRIOT_CALLCENTRE_HOOK_SECRET belum diatur."), code="hook_disabled"
        )
    limit = getattr(settings, "PATRIOT_CALLCENTRE_HOOK_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE)
    if not hit("callcentre-hook", client_address(request), limit):
        raise RateLimited(
            _("Terlalu banyak permintaan dari alamat ini dalam satu menit. Coba lagi sebentar lagi."),
            retry_after=60,
        )
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            _("Kirim rahasia bersama sebagai header Authorization: Bearer <rahasia>."), code="unauthenticated"
        )
    if not hmac.compare_digest(token.strip().encode(), secret.encode()):
        raise Forbidden(_("Rahasia bersama salah."), code="forbidden")
    return True


hook = NinjaAPI(
    title="Patriot call-centre hook",
    version="1",
    description="The phone system announces ringing calls on the 1500444 line.",
    urls_namespace="callcentre-hook",
    docs_url=None,
    auth=phone_system,
)


install_error_handlers(hook)


class IncomingCall(Schema):
    caller_number: str | None = Field(
        ...,
        max_length=32,
        description=(
            "The caller's number as the exchange sees it. Empty, null, or anonymous / private / withheld / unknown /"
            " restricted (any case) when the number is withheld: the call rings without a number."
        ),
    )
    call_id: str = Field("", max_length=100, description="The phone system's own id of the call.")
    line: str = Field("", max_length=40, description="Which trunk or extension rang.")
    at: datetime | None = Field(None, description="When it started ringing (ISO 8601 with a time zone).")


class AnnouncedCall(Schema):
    id: str
    state: str
    caller_number: str = Field(description="E.164, or empty when the number is withheld.")
    number_withheld: bool
    created: bool


@hook.post("/incoming", response={200: AnnouncedCall, 201: AnnouncedCall}, summary="Announce a ringing call")
def incoming(request: HttpRequest, payload: IncomingCall) -> Status[AnnouncedCall]:
    if payload.at is not None and payload.at.tzinfo is None:
        raise DomainError(_("Waktu `at` harus menyebut zona waktu, mis. 2026-11-17T10:00:00+07:00."), field="at")
    key = payload.call_id or request.headers.get("Idempotency-Key", "")
    announced = services.announce_call(
        caller_number=payload.caller_number, external_id=key, line=payload.line, at=payload.at
    )
    call = announced.call
    body = AnnouncedCall(
        id=str(call.pk),
        state=call.state,
        caller_number=call.caller_number,
        number_withheld=call.number_withheld,
        created=announced.created,
    )
    return Status(201 if announced.created else 200, body)
