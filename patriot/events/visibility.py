"""Whether the public may see an event's subject now: each app tells for its own subject type, in bulk.

An event is public when it was written public (a public timeline step of a case the public could see then)
and its subject is still public when the event is read. A case made confidential, rejected or merged
later takes its earlier events out of every public replay and of every public delivery not yet made.
A subject type no app registered is never public.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable

from patriot.events.models import OutboxEvent

# subject type → a function from subject ids to those of them the public may see now (one query).
PublicSubjects = Callable[[Collection[str]], Collection[str]]
_resolvers: dict[str, PublicSubjects] = {}


def register(subject_type: str, public_subjects: PublicSubjects) -> None:
    _resolvers[subject_type] = public_subjects


def public_now(events: Iterable[OutboxEvent]) -> set[int]:
    """Ids of those `events` the public may receive now: one query per subject type, whatever their number."""
    written_public: dict[str, list[OutboxEvent]] = defaultdict(list)
    for event in events:
        if event.is_public:
            written_public[event.subject_type].append(event)
    visible: set[int] = set()
    for subject_type, candidates in written_public.items():
        resolver = _resolvers.get(subject_type)
        if resolver is None:
            continue
        still_public = set(resolver({event.subject_id for event in candidates}))
        visible |= {event.pk for event in candidates if event.subject_id in still_public}
    return visible
