"""The server-sent events wire format: one frame per outbox event, `id:` = its outbox id, `event:` = its subject type."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from patriot.events.models import OutboxEvent

# First bytes of every stream: how long a browser waits before reconnecting (with Last-Event-ID).
RETRY = b"retry: 3000\n\n"
HEARTBEAT = b": ping\n\n"
# Last bytes of every stream when this process stops: come back soon (to the process that replaces it).
GOODBYE = b": server stopping\nretry: 1000\n\n"


def reload(newest_id: int) -> bytes:
    """Too much was missed to replay it: the page re-reads the database, and the stream goes on from `newest_id`."""
    return f"id: {newest_id}\nevent: reload\ndata: {{}}\n\n".encode()


def frame(event: OutboxEvent, payload: dict[str, Any]) -> bytes:
    data = json.dumps(
        {
            "id": event.pk,
            "kind": event.kind,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            "at": event.created_at.isoformat(),
            "payload": payload,
        },
        separators=(",", ":"),
        ensure_ascii=False,
        cls=DjangoJSONEncoder,
    )
    # json.dumps escapes line breaks, so `data` is one line whatever the payload holds.
    return f"id: {event.pk}\nevent: {_token(event.subject_type)}\ndata: {data}\n\n".encode()


def without_id(frame_bytes: bytes) -> bytes:
    """`frame_bytes` without its `id:` line: a client receiving it keeps its Last-Event-ID (an event delivered late,
    after higher ids)."""
    id_line, rest = frame_bytes.split(b"\n", 1)
    assert id_line.startswith(b"id: "), frame_bytes
    return rest


def _token(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\r\n") or "message"


def parse_last_event_id(header: str | None, query: str | None) -> int | None:
    """The id a reconnecting client saw last (the Last-Event-ID header, else ?last_event_id=); None if absent."""
    for raw in (header, query):
        if raw and raw.strip().isdigit():
            return int(raw.strip())
    return None
