"""The live streams: staff events filtered by role (/events/stream/) and public-safe events for anyone (/events/public/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patriot.core import metrics
from patriot.events import audience, broadcast, sse
from patriot.events.models import OutboxEvent


def _subscriber(request: HttpRequest) -> audience.Subscriber | None:
    """The signed-in user as the stream needs them; the connection goes back to the pool before streaming."""
    try:
        user = request.user
        return audience.Subscriber.of(user) if user.is_authenticated else None  # type: ignore[arg-type]
    finally:
        connections.close_all()


async def _event_stream(
    request: HttpRequest, accepts: Callable[[OutboxEvent], bool], *, public: bool
) -> StreamingHttpResponse:
    last_event_id = _last_event_id(request)
    stream: AsyncIterator[bytes] | list[bytes]
    if isinstance(request, ASGIRequest):
        stream = metrics.counted_stream(
            broadcast.stream(accepts, public=public, last_event_id=last_event_id), "public" if public else "staff"
        )
    else:
        # A WSGI server would collect an endless stream before sending it: answer with what is new and
        # let the browser reconnect (every `retry` ms, with Last-Event-ID) instead.
        stream = await sync_to_async(broadcast.snapshot)(accepts, public=public, last_event_id=last_event_id)
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _last_event_id(request: HttpRequest) -> int | None:
    return sse.parse_last_event_id(request.headers.get("Last-Event-ID"), request.GET.get("last_event_id"))


@require_GET
async def staff_stream(request: HttpRequest) -> HttpResponse:
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
    return await _event_stream(request, partial(audience.may_receive, subscriber), public=False)


@require_GET
async def public_stream(request: HttpRequest) -> HttpResponse:
    return await _event_stream(request, audience.may_receive_public, public=True)
