"""Who may receive which live event and what the public may see of it: the rules each app registered for its
event types (core.registry); an event of a type nobody registered reaches nobody. An event of a registered type
addressed to an organisation unit (`OutboxEvent.unit_id`) also reaches that unit's staff, and only that unit's:
not its parent's or children's, never the public stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from patriot.accounts.choices import RoleChoices as Role
from patriot.core import registry
from patriot.events.models import OutboxEvent

# Roles with something to receive on the staff stream, with those an app's event type names (EventType.stream_roles);
# everyone else is refused at the door (403).
STREAM_ROLES = Role.CITYWIDE_ROLES | Role.AGENCY_ROLES | {Role.URC_OFFICER}


class Viewer(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def agency_id(self) -> int | None: ...
    @property
    def team_id(self) -> int | None: ...
    @property
    def unit_id(self) -> int | None: ...
    @property
    def agency_code(self) -> str: ...


@dataclass(frozen=True)
class Subscriber:
    """What a stream keeps of the signed-in user: enough to filter, no open database row."""

    role: str
    agency_id: int | None
    team_id: int | None
    unit_id: int | None = None
    # The agency's code, read when the stream opens: an event type's rule may need it (referrals: Dinkes) and the
    # stream may not query the database.
    agency_code: str = ""

    @classmethod
    def of(cls, user: Viewer) -> Subscriber:
        return cls(
            role=user.role,
            agency_id=user.agency_id,
            team_id=user.team_id,
            unit_id=user.unit_id,
            agency_code=user.agency_code,
        )


def _unit_member(user: Viewer) -> int | None:
    """The unit whose addressed events `user` receives: staff only (a citizen belongs to no unit)."""
    if user.role == Role.CITIZEN:
        return None
    unit_id: int | None = getattr(user, "unit_id", None)
    return unit_id


def may_subscribe(user: Viewer) -> bool:
    """The roles with a staff stream, the roles an event type opens it to, and any member of staff placed in a
    unit (events can address it)."""
    return (
        user.role in STREAM_ROLES
        or any(user.role in kind.stream_roles for kind in registry.event_types())
        or _unit_member(user) is not None
    )


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    """Whether `user` may receive `event` on the staff stream: addressed to their unit, or the rule its event type
    registered."""
    event_type = registry.event_type(event.subject_type)
    if event_type is None:
        return False
    if event.unit_id is not None and event.unit_id == _unit_member(user):
        return True
    return event_type.may_receive(user, event)


def may_receive_public(event: OutboxEvent) -> bool:
    """Whether the event was written public and its type has a public form; visibility.public_now checks its
    subject at read time. An event addressed to a unit is that unit's business: never public."""
    event_type = registry.event_type(event.subject_type)
    return event.is_public and event.unit_id is None and event_type is not None and event_type.is_public


def public_payload(event: OutboxEvent) -> dict[str, Any]:
    """What the public stream keeps of an event's payload: the fields its type names, none for any other type."""
    event_type = registry.event_type(event.subject_type)
    fields = event_type.public_fields if event_type is not None and event_type.is_public else ()
    return {name: event.payload[name] for name in fields if name in event.payload}
