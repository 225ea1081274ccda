"""The ASGI handler: a sync view's request signals in its one trip to the request thread, request threads reused."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import signals

from patriot.core.asgi_handler import OneHopASGIHandler, application, may_reuse_thread


@pytest.fixture
def events() -> Iterator[list[tuple[str, int]]]:
    seen: list[tuple[str, int]] = []

    def started(**kwargs: Any) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs: Any) -> None:
        seen.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    yield seen
    signals.request_started.disconnect(started)
    signals.request_finished.disconnect(finished)


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


def _call(handler: OneHopASGIHandler, scope: dict[str, Any], body: bytes = b"") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        given = False

        async def receive() -> dict[str, Any]:
            nonlocal given
            if given:
                await asyncio.sleep(60)  # the client stays until the answer is sent
            given = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await handler(scope, receive, send)

    asyncio.run(run())
    return sent


def test_a_sync_view_sends_each_signal_once_on_its_thread_and_the_thread_serves_the_next_request(
    events: list[tuple[str, int]],
) -> None:
    handler = application()
    first = _call(handler, _scope("GET", "/healthz", []))
    assert first[0]["status"] == 200 and b'"ok"' in first[1]["body"]
    second = _call(handler, _scope("GET", "/healthz", []))
    assert second[0]["status"] == 200
    assert [name for name, _thread in events] == ["started", "finished", "started", "finished"]
    threads = {thread for _name, thread in events}
    # One request thread, not the event loop's, served both requests in turn.
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_an_upload_ends_its_thread(events: list[tuple[str, int]]) -> None:
    handler = application()
    before = len(handler.threads._free)
    multipart = [(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"0")]
    answer = _call(handler, _scope("POST", "/healthz", multipart))
    assert answer[0]["status"] == 403  # CSRF: no token; answered all the same
    assert [name for name, _thread in events] == ["started", "finished"]
    assert len(handler.threads._free) <= before  # the upload's thread was not put back


@pytest.mark.parametrize(
    ("headers", "reuse"),
    [
        ([], True),
        ([(b"content-type", b"application/json"), (b"content-length", b"512")], True),
        ([(b"content-length", str(64 * 1024 + 1).encode())], False),
        ([(b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"10")], False),
        ([(b"transfer-encoding", b"chunked")], False),
    ],
)
def test_only_small_declared_bodies_give_their_thread_back(headers: list[tuple[bytes, bytes]], reuse: bool) -> None:
    assert may_reuse_thread({"headers": headers}) is reuse
