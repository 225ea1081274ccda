"""Where apps plug into the core: each app registers here, in its AppConfig.ready(), what the core runs for it.

The core and the events app read these registries and import no feature app. An app registers:

- its event types (`register_event_type`): the subject type its outbox events carry (the prefix of their kind,
  "case" for "case.submitted"), who may receive them on the staff stream, and what the public may see of them,
  if anything. An event type nobody registered reaches nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patriot.events.audience import Viewer
    from patriot.events.models import OutboxEvent

# A function from subject ids to those of them the public may see now (one query, whatever their number).
PublicSubjects = Callable[[Collection[str]], Collection[str]]


@dataclass(frozen=True)
class EventType:
    """One kind of outbox subject. `public_fields` and `public_subjects` together make its events public:
    an event written public reaches the public stream with those payload fields only, while its subject is
    still public when the event is read. A type without them never reaches the public."""

    name: str
    may_receive: Callable[[Viewer, OutboxEvent], bool]
    public_fields: tuple[str, ...] = ()
    public_subjects: PublicSubjects | None = None

    @property
    def is_public(self) -> bool:
        return bool(self.public_fields) and self.public_subjects is not None


_event_types: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    _event_types[event_type.name] = event_type


def event_type(name: str) -> EventType | None:
    return _event_types.get(name)
