"""Fixtures for the live streams: Django's real ASGI application driven in-process, and the reference areas."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import connections, transaction
from django.test import Client
from pytest_django import Settings

from patriot.accounts.models import User
from patriot.events.services import record_event
from tests.factories import load_areas

T = TypeVar("T")


@pytest.fixture(autouse=True)
def _stream_settings(settings: Settings, tmp_path: Path) -> None:
    """In-process: no Redis (the scale-out tests start their own), quick polls, photos in the test's folder."""
    settings.PATRIOT_REDIS_URL = ""
    settings.PATRIOT_SSE_POLL_SECONDS = 0.2
    settings.PATRIOT_SSE_HEARTBEAT_SECONDS = 30
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def areas(transactional_db: None) -> None:
    load_areas()


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ORM work on a worker thread (as a request would) and give its connection back afterwards."""

    def call() -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return await sync_to_async(call, thread_sensitive=False)()


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@dataclass
class Event:
    id: int
    name: str
    data: dict[str, Any]
    raw: str


class Stream:
    """One GET through Django's ASGI handler (or `handler_class`), read as it streams; close() is the client going
    away."""

    handler_class: type[ASGIHandler] = ASGIHandler

    def __init__(self, path: str, *, cookie: str = "", headers: dict[str, str] | None = None) -> None:
        route, _, query = path.partition("?")
        raw_headers = [(b"host", b"127.0.0.1"), (b"accept", b"text/event-stream")]
        if cookie:
            raw_headers.append((b"cookie", cookie.encode()))
        raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 80),
        }
        self.status = 0
        self.headers: dict[str, str] = {}
        self.text = ""
        self._chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._started = asyncio.Event()
        self._gone = asyncio.Event()
        self._sent_request = False
        self.task = asyncio.get_running_loop().create_task(self.handler_class()(self.scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        if not self._sent_request:
            self._sent_request = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode().lower(): v.decode() for k, v in message["headers"]}
            self._started.set()
        elif message["type"] == "http.response.body":
            if message.get("body"):
                await self._chunks.put(message["body"])
            if not message.get("more_body"):
                await self._chunks.put(None)

    async def started(self, timeout: float = 30) -> Stream:
        await asyncio.wait_for(self._started.wait(), timeout)
        return self

    async def read_until(self, predicate: Callable[[str], bool], timeout: float = 30) -> str:
        """Read chunks until the text so far satisfies `predicate`; the text read so far."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self.text):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"stream did not deliver in {timeout}s; got {self.text!r}")
            chunk = await asyncio.wait_for(self._chunks.get(), left)
            if chunk is None:
                break
            self.text += chunk.decode()
        return self.text

    async def subscribed(self) -> Stream:
        """The stream registers with the hub before its first bytes (`retry:`)."""
        await self.started()
        await self.read_until(lambda text: text.startswith("retry: 3000\n\n"))
        return self

    async def events_until(self, count: int, timeout: float = 30) -> list[Event]:
        await self.read_until(lambda text: len(parse_events(text)) >= count, timeout)
        return parse_events(self.text)

    async def quiet_for(self, seconds: float) -> list[Event]:
        """Everything that arrives within `seconds` (for checking that nothing more does)."""
        with contextlib.suppress(TimeoutError):
            await self.read_until(lambda _text: False, seconds)
        return parse_events(self.text)

    async def body(self) -> str:
        """The whole body of an answer that ends (a refusal, a stream the server closed)."""
        return await self.read_until(lambda _text: False, 30)

    async def close(self) -> None:
        self._gone.set()
        await asyncio.wait_for(self.task, 30)


def comment_events(count: int, prefix: str, *, at: datetime | None = None) -> list[int]:
    """`count` case.commented events in one transaction (subjects `prefix`-000000, -000001, ...), recorded `at` (now
    by default); their ids."""
    with transaction.atomic():
        return [
            record_event(
                kind="case.commented",
                subject_type="case",
                subject_id=f"{prefix}-{n:06d}",
                at=at or datetime.now(UTC),
                payload={},
            ).pk
            for n in range(count)
        ]


def parse_events(text: str) -> list[Event]:
    events = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line and not line.startswith(":") and ": " in line:
                name, value = line.split(": ", 1)
                fields[name] = value
        if "id" in fields and "data" in fields:
            events.append(Event(int(fields["id"]), fields.get("event", ""), json.loads(fields["data"]), block))
    return events
