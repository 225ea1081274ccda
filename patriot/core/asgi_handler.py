"""Django's ASGI handler, with one trip to the sync thread for a request whose view is synchronous.

Every page and API endpoint but the live streams is a synchronous view. Django's async request path runs the
middleware chain in async mode, where each sync-only middleware, each `MiddlewareMixin` hook (process_request,
process_view, process_response) and the view itself are separate `sync_to_async` calls: a request went back and forth
between the event loop and the sync thread half a dozen times, each time queueing behind the loop's other work.

Here a request is first matched to its view (ROOT_URLCONF, as Django resolves it; no middleware of ours changes the
urlconf). For a synchronous view — and for a path that matches nothing, which answers 404 or CommonMiddleware's
redirect — the whole synchronous middleware chain and the view run in one `sync_to_async(thread_sensitive=True)`
call: the same chain and code Django's WSGI handler and the test client run. An async view (the SSE streams) keeps
Django's async path unchanged. Reading the body, the request signals and sending the answer stay Django's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver


@lru_cache(maxsize=4096)
def view_is_async(path_info: str) -> bool:
    """Whether the root URLconf sends `path_info` to an async view (False for a path no pattern matches)."""
    try:
        match = get_resolver().resolve(path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


@receiver(setting_changed)
def _forget_views_on_urlconf_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "ROOT_URLCONF":
        view_is_async.cache_clear()


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        sync_handler = BaseHandler()
        sync_handler.load_middleware(is_async=False)
        self._sync_get_response = sync_to_async(sync_handler.get_response, thread_sensitive=True)
        super().load_middleware(is_async=True)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if view_is_async(request.path_info):
            return await super().get_response_async(request)
        response: Any = await self._sync_get_response(request)
        return response


def application() -> OneHopASGIHandler:
    """What django.core.asgi.get_asgi_application() returns, with this handler."""
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
