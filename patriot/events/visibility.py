"""Whether the public may see an event's subject now: each app tells for its own event type, in bulk.

An event is public when it was written public (a public timeline step of a case the public could see then)
and its subject is still public when the event is read. A case made confidential, rejected or merged
later takes its earlier events out of every public replay and of every public delivery not yet made.
A subject type no app registered (core.registry) with a public form is never public.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from patriot.core import registry
from patriot.events.models import OutboxEvent


def public_now(events: Iterable[OutboxEvent]) -> set[int]:
    """Ids of those `events` the public may receive now: one query per subject type, whatever their number."""
    written_public: dict[str, list[OutboxEvent]] = defaultdict(list)
    for event in events:
        if event.is_public:
            written_public[event.subject_type].append(event)
    visible: set[int] = set()
    for subject_type, candidates in written_public.items():
        event_type = registry.event_type(subject_type)
        if event_type is None or not event_type.is_public or event_type.public_subjects is None:
            continue
        still_public = set(event_type.public_subjects({event.subject_id for event in candidates}))
        visible |= {event.pk for event in candidates if event.subject_id in still_public}
    return visible
