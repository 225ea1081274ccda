"""SMS gateways: an HTTP gateway for real messages and a logging gateway for demo and development."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from patriot.core import metrics

logger = logging.getLogger("patriot.sms")


class SmsError(Exception):
    """The message could not be handed to the gateway; `message` is for the user, already translated."""

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class SmsGateway(Protocol):
    # Whether messages reach a phone; the logging gateway's do not, so case notifications skip it.
    delivers: bool

    def send(self, to: str, text: str) -> None:
        """Hand one message for the E.164 number `to` to the gateway, or raise SmsError."""


class LoggingGateway:
    """Writes each message to the log (logger "patriot.sms") instead of sending it."""

    delivers = False

    def send(self, to: str, text: str) -> None:
        if settings.PATRIOT_SMS_LOG_MESSAGES:
            logger.info("SMS to %s: %s", to, text)
        else:
            # Outside the demo a log is no place for a phone number or a verification code.
            logger.info("SMS to …%s not sent: no SMS gateway is configured (%d characters)", to[-3:], len(text))


class HttpGateway:
    """POSTs {"to": "+62…", "message": "…"} as JSON with a bearer token; any 2xx answer means accepted."""

    delivers = True

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def send(self, to: str, text: str) -> None:
        body = json.dumps({"to": to, "message": text}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured gateway
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as error:
            raise SmsError(
                _("Layanan SMS menolak pesan (HTTP %(status)d). Coba lagi nanti.") % {"status": error.code},
                detail=f"HTTP {error.code}",
            ) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(
                _("Layanan SMS tidak dapat dihubungi. Coba lagi dalam beberapa menit."), detail=str(reason)[:200]
            ) from error


def gateway() -> SmsGateway:
    """The gateway the settings choose: PATRIOT_SMS_GATEWAY "http" (needs PATRIOT_SMS_GATEWAY_URL) or "log"."""
    if settings.PATRIOT_SMS_GATEWAY == "http":
        if not settings.PATRIOT_SMS_GATEWAY_URL:
            raise ImproperlyConfigured("PATRIOT_SMS_GATEWAY=http needs PATRIOT_SMS_GATEWAY_URL.")
        return HttpGateway(
            settings.PATRIOT_SMS_GATEWAY_URL, settings.PATRIOT_SMS_GATEWAY_TOKEN, settings.PATRIOT_SMS_GATEWAY_TIMEOUT
        )
    return LoggingGateway()


def send(to: str, text: str) -> None:
    """Send one message through the configured gateway, counted in patriot_sms_total; raises SmsError."""
    chosen = gateway()
    name = "http" if getattr(chosen, "delivers", True) else "log"
    try:
        chosen.send(to, text)
    except Exception:
        metrics.SMS.labels(name, "failed").inc()
        raise
    metrics.SMS.labels(name, "sent").inc()
