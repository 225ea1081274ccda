"""Security headers that Django 5.2 does not set itself (Content-Security-Policy), and trust in proxies' headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from patriot.core.ratelimit import is_trusted_proxy


def content_security_policy() -> str:
    tile_origin = ""
    if settings.PATRIOT_TILE_URL:
        from urllib.parse import urlsplit

        parts = urlsplit(settings.PATRIOT_TILE_URL.replace("{s}", "a"))
        tile_origin = f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
    return "; ".join(
        [
            "default-src 'self'",
            f"img-src 'self' data: blob:{tile_origin}",
            "style-src 'self' 'unsafe-inline'",
            "script-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy()
        self._tile_url = settings.PATRIOT_TILE_URL

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._tile_url != settings.PATRIOT_TILE_URL:  # a test pointing the maps at its local tile server
            self._tile_url = settings.PATRIOT_TILE_URL
            self.policy = content_security_policy()
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class TrustedProxyMiddleware:
    """Drops X-Forwarded-Proto unless a trusted proxy sent it, so only that proxy can tell Django a request is HTTPS.

    Django reads SECURE_PROXY_SSL_HEADER from any peer; a client talking plain HTTP straight to the server could
    otherwise skip the HTTPS redirect (and receive secure cookies over HTTP) by sending the header itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            request.META.pop("HTTP_X_FORWARDED_PROTO", None)
        return self.get_response(request)
