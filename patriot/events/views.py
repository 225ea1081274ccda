"""The live streams: staff events filtered by role (/events/stream/) and public-safe events for anyone (/events/public/)."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Callable, Hashable
from functools import partial

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patriot.core import metrics
from patriot.core.ratelimit import client_address
from patriot.events import audience, broadcast, shutdown, sse
from patriot.events.models import OutboxEvent

# When a client at a stream cap may try again; browsers' EventSource gives up on a 429, htmx's SSE extension retries.
RETRY_AFTER_SECONDS = 10


def _subscriber(request: HttpRequest) -> audience.Subscriber | None:
    """The signed-in user as the stream needs them; the connection goes back to the pool before streaming."""
    try:
        user = request.user
        return audience.Subscriber.of(user) if user.is_authenticated else None
    finally:
        connections.close_all()


async def _event_stream(
    request: HttpRequest, accepts: Callable[[OutboxEvent], bool], *, public: bool, audience_key: Hashable
) -> HttpResponseBase:
    last_event_id = _last_event_id(request)
    if not isinstance(request, ASGIRequest):
        # A WSGI server would collect an endless stream before sending it: answer with what is new and
        # let the browser reconnect (every `retry` ms, with Last-Event-ID) instead.
        chunks = await sync_to_async(broadcast.snapshot)(accepts, public=public, last_event_id=last_event_id)
        return _event_stream_response(chunks)
    shutdown.install()
    ticket = broadcast.admit(client_address(request))
    if ticket is None:
        refusal = HttpResponse(
            _("Terlalu banyak pembaruan langsung yang terbuka. Coba lagi sebentar lagi."),
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        refusal["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return refusal
    writer = broadcast.Writer()
    stream = broadcast.stream(
        ticket, accepts, public=public, last_event_id=last_event_id, audience=audience_key, writer=writer
    )
    response = _event_stream_response(metrics.counted_stream(stream, "public" if public else "staff"))
    # Patriot's ASGI handler hands the response's `send` to the writer (patriot.core.asgi_handler.send_response).
    response.live_writer = writer  # type: ignore[attr-defined]  # read with getattr by the handler
    # The stream releases its ticket when it ends; a response dropped before it started streaming
    # (the client left while the middleware ran) releases it when it is collected.
    weakref.finalize(response, ticket.release)
    return response


def _event_stream_response(stream: AsyncIterator[bytes] | list[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _last_event_id(request: HttpRequest) -> int | None:
    return sse.parse_last_event_id(request.headers.get("Last-Event-ID"), request.GET.get("last_event_id"))


@require_GET
async def staff_stream(request: HttpRequest) -> HttpResponseBase:
    # Runs where the middleware ran (the request's own thread), so that thread's connection is the one closed.
    subscriber = await sync_to_async(_subscriber)(request)
    if subscriber is None:
        return HttpResponse(
            _("Masuk terlebih dahulu untuk menerima pembaruan langsung."),
            status=401,
            content_type="text/plain; charset=utf-8",
        )
    if not audience.may_subscribe(subscriber):
        return HttpResponse(
            _("Peran Anda tidak menerima pembaruan langsung."), status=403, content_type="text/plain; charset=utf-8"
        )
    # `accepts` depends on nothing but the Subscriber (a frozen snapshot): streams of equal subscribers share answers.
    return await _event_stream(
        request, partial(audience.may_receive, subscriber), public=False, audience_key=("staff", subscriber)
    )


@require_GET
async def public_stream(request: HttpRequest) -> HttpResponseBase:
    return await _event_stream(request, audience.may_receive_public, public=True, audience_key="public")
