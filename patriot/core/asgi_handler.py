"""Django's ASGI handler, with one trip to the sync thread for a request whose view is synchronous.

Every page and API endpoint but the live streams is a synchronous view. Django's async request path runs the
middleware chain in async mode, where each sync-only middleware, each `MiddlewareMixin` hook (process_request,
process_view, process_response) and the view itself are separate `sync_to_async` calls: a request went back and forth
between the event loop and the sync thread half a dozen times, each time queueing behind the loop's other work.

Here a request is first matched to its view (ROOT_URLCONF, as Django resolves it; no middleware of ours changes the
urlconf). For a synchronous view — and for a path that matches nothing, which answers 404 or CommonMiddleware's
redirect — the whole synchronous middleware chain and the view run in one `sync_to_async(thread_sensitive=True)`
call: the same chain and code Django's WSGI handler and the test client run. An async view (the SSE streams) keeps
Django's async path unchanged. Reading the body and sending the answer stay Django's. For a synchronous view the
request signals ride in the same trip: request_started before the middleware, and — for an answer that is not
streamed — `response.close()` (request_finished: the request's DB connections closed or handed back) after it,
instead of two more trips before and after the send. A streamed answer is closed after its send, as Django does.

Django gives each request a fresh `ThreadSensitiveContext()`, and asgiref a fresh one-thread executor for it: a thread
started for every request and joined by another thread afterwards (~0.3–0.5 ms of CPU per request, more than the
middleware chain of /healthz). Here each request still gets a context and a one-thread executor of its own, so all
its thread-sensitive work runs on one thread, alone, as before — but the executor comes from a free list and goes
back to it when the request has finished and its thread has nothing left to run (the threaded WSGI servers' model:
a thread serves one request at a time, one after the other; DB connections follow Django's request signals as there).
Only a request with a small body (≤ REUSE_MAX_BODY, not multipart) gives its thread back: glibc keeps what a thread
freed in that thread's own malloc arena, so threads kept after photo decodes would each hold a decode's worth of
memory (a thread that ends hands its arena to the next new thread, as Django's per-request threads do).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix


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


class RequestThread(ThreadPoolExecutor):
    """One worker thread; knows whether work it was given is still queued or running."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="patriot-request")
        self._pending = 0
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._lock:
            self._pending += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1

    @property
    def idle(self) -> bool:
        return self._pending == 0


REUSE_MAX_BODY = 64 * 1024


def may_reuse_thread(scope: Any) -> bool:
    """A request whose body is declared and small (a JSON POST, a GET): its thread may serve the next request."""
    length = b"0"
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            length = value
        elif name == b"transfer-encoding" or (name == b"content-type" and value.startswith(b"multipart/")):
            return False
    return length.isdigit() and int(length) <= REUSE_MAX_BODY


class RequestThreads:
    """Free list of request threads. At most `keep` idle ones are kept; a busy request gets a new one."""

    def __init__(self, keep: int = 64) -> None:
        self.keep = keep
        self._free: list[RequestThread] = []
        self._lock = threading.Lock()

    def take(self) -> RequestThread:
        with self._lock:
            if self._free:
                return self._free.pop()
        return RequestThread()

    def give_back(self, executor: RequestThread, *, reuse: bool) -> None:
        # A request cut off by a disconnect may leave its view running: that thread is not reused but ends
        # when its work is done, as Django's own per-request executor would.
        if reuse and executor.idle:
            with self._lock:
                if len(self._free) < self.keep:
                    self._free.append(executor)
                    return
        executor.shutdown(wait=False)


class OneHopASGIHandler(ASGIHandler):
    threads = RequestThreads(keep=32)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)  # Django refuses it
            return
        executor = self.threads.take()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self.threads.give_back(executor, reuse=may_reuse_thread(scope))

    def load_middleware(self, is_async: bool = False) -> None:
        sync_handler = BaseHandler()
        sync_handler.load_middleware(is_async=False)
        self._sync_handler = sync_handler
        self._sync_get_response = sync_to_async(sync_handler.get_response, thread_sensitive=True)
        self._sync_serve = sync_to_async(self._serve, thread_sensitive=True)
        super().load_middleware(is_async=True)

    def _serve(self, scope: Any, request: HttpRequest) -> tuple[HttpResponseBase, bool]:
        """On the request's thread: request_started, the middleware and view, and request_finished when the answer
        is complete (not streamed). Returns the answer and whether it was closed."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        response: Any = self._sync_handler.get_response(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        if response.streaming:
            return response, False
        response.close()
        return response, True

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        """Django's ASGIHandler.handle, with the signals in the view's trip (see the module's docstring)."""
        script_name = get_script_prefix(scope)
        path_info = scope["path"].removeprefix(script_name) if script_name else scope["path"]
        if view_is_async(path_info):
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(script_name)
        request, error_response = self.create_request(scope, body_file)
        if request is None:  # Django's 400 for an undecodable request
            refusal: Any = error_response
            await signals.request_started.asend(sender=self.__class__, scope=scope)
            body_file.close()
            await self.send_response(refusal, send)
            await sync_to_async(refusal.close)()
            return

        async def process_request(request: HttpRequest, send: Any) -> tuple[HttpResponseBase, bool]:
            response, closed = await self._sync_serve(scope, request)
            with contextlib.suppress(asyncio.CancelledError):  # the client went away during the send
                await self.send_response(response, send)
            return response, closed

        # As Django: a disconnect while the view runs cancels the wait for it.
        listener = asyncio.create_task(self.listen_for_disconnect(receive))
        serving = asyncio.create_task(process_request(request, send))
        tasks: list[asyncio.Task[Any]] = [listener, serving]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if task.done():
                try:
                    task.result()
                except RequestAborted:
                    pass
                except AssertionError:
                    body_file.close()
                    raise
            else:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        try:
            response, closed = serving.result()
        except asyncio.CancelledError:
            await signals.request_finished.asend(sender=self.__class__)
        else:
            if not closed:
                await sync_to_async(response.close)()
        body_file.close()

    async def send_response(self, response: HttpResponseBase, send: Any) -> None:
        """Django's, and a live stream's response (events.views) is given `send`: the hub writes its live frames with
        it directly (events.broadcast.Writer)."""
        writer = getattr(response, "live_writer", None)
        if writer is not None:
            writer.send = send
        await super().send_response(response, send)

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
