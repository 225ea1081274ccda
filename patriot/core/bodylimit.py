"""An ASGI wrapper that refuses a request body over PATRIOT_MAX_REQUEST_BYTES with 413 before reading it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def refusal(limit: int) -> tuple[bytes, bytes]:
    """(content type, body) of the 413 answer: both languages, since no language has been chosen yet."""
    megabytes = limit // (1024 * 1024)
    detail = (
        f"Permintaan terlalu besar: paling banyak {megabytes} MB (foto paling banyak 10 MB per berkas). "
        f"/ Request too large: at most {megabytes} MB (photos at most 10 MB each)."
    )
    body = {"detail": detail, "code": "request_too_large", "field": None}
    return b"application/json", json.dumps(body, ensure_ascii=False).encode()


class BodySizeLimit:
    """Django's upload settings bound memory, not the body: the ASGI handler spools any body to disk first.

    A declared Content-Length over the limit is answered at once, unread; a chunked body is counted as it
    arrives and cut off at the limit (the application sees a disconnect and gives up).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received = 0
        over = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if over and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        content_type, body = refusal(self.limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type + b"; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
