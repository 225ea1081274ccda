"""Phone pages that open without signal: one service worker script (static/patriot/offline-sw.js) for every app that
needs it, served under that app's own URL prefix with that app's settings, and one registration script
(static/patriot/offline.js: any element with data-service-worker and data-service-worker-scope).

An app adds `path("sw.js", offline.service_worker(OfflinePages(...)))` to its URLs (larvae: the inspection form;
emergency: the crew's page) and the two data attributes to the page. The script is the same file for every app; only
the first line, `var OFFLINE = {...};`, differs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

SCRIPT = Path(__file__).resolve().parent / "static" / "patriot" / "offline-sw.js"


@dataclass(frozen=True)
class OfflinePages:
    """`cache`: the cache's name ending in -v<version> (raise the version when what is kept changes shape); `scope`:
    the URL prefix the worker controls (it is served there); `pages`: the paths kept for offline use (each must
    hold nothing the signed-in user may not keep on the phone); `fallbacks`: other paths that show a kept page
    when offline."""

    cache: str
    scope: str
    pages: tuple[str, ...]
    fallbacks: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if "-v" not in self.cache:
            raise ValueError(f"the cache name needs a -v<version>: {self.cache!r}")
        for path in (*self.pages, *self.fallbacks, *self.fallbacks.values()):
            if not path.startswith(self.scope):
                raise ValueError(f"{path!r} is outside the worker's scope {self.scope!r}")


def service_worker(pages: OfflinePages) -> Callable[[HttpRequest], HttpResponse]:
    """The view serving the worker for `pages` (never cached: a new version reaches the phones at once)."""
    config = json.dumps(
        {
            "cache": pages.cache,
            "pages": list(pages.pages),
            "fallbacks": pages.fallbacks,
            "staticUrl": settings.STATIC_URL,
        }
    )

    @never_cache
    def view(request: HttpRequest) -> HttpResponse:
        body = f"var OFFLINE = {config};\n".encode() + SCRIPT.read_bytes()
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
        response["Service-Worker-Allowed"] = pages.scope
        return response

    return view
