"""Who may receive which live event: the one rule every stream applies, and what the public may see of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from patriot.accounts.choices import RoleChoices as Role
from patriot.events.models import OutboxEvent

# Call-centre events (an incoming call, a caller on hold) concern the people answering the line.
CALL_ROLES = frozenset({Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN})
# Roles with something to receive on the staff stream; everyone else is refused at the door (403).
STREAM_ROLES = Role.CITYWIDE_ROLES | Role.AGENCY_ROLES | {Role.URC_OFFICER}
# What the public stream keeps of an event's payload: where and what, never who.
PUBLIC_PAYLOAD_FIELDS = (
    "tracking_number",
    "kind",
    "state",
    "category",
    "village",
    "district",
    "latitude",
    "longitude",
    "at",
)


class Viewer(Protocol):
    role: str
    agency_id: int | None
    team_id: int | None


@dataclass(frozen=True)
class Subscriber:
    """What a stream keeps of the signed-in user: enough to filter, no open database row."""

    role: str
    agency_id: int | None
    team_id: int | None

    @classmethod
    def of(cls, user: Viewer) -> Subscriber:
        return cls(role=user.role, agency_id=user.agency_id, team_id=user.team_id)


def may_subscribe(user: Viewer) -> bool:
    return user.role in STREAM_ROLES


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    """Whether `user` may receive `event` on the staff stream (the same rule as cases.queries.visible_cases)."""
    if event.subject_type == "case":
        if user.role in Role.CITYWIDE_ROLES:
            return True
        if user.role in Role.AGENCY_ROLES:
            if user.agency_id is None:
                return False
            # Also the agency a case was just forwarded away from, so it leaves that inbox without a reload.
            return user.agency_id in (event.agency_id, (event.payload or {}).get("left_agency_id"))
        if user.role == Role.URC_OFFICER:
            return user.team_id is not None and event.team_id == user.team_id
        return False
    if event.subject_type == "call":
        return user.role in CALL_ROLES
    return user.role in Role.CITYWIDE_ROLES


def may_receive_public(event: OutboxEvent) -> bool:
    return event.is_public


def public_payload(event: OutboxEvent) -> dict[str, Any]:
    return {name: event.payload[name] for name in PUBLIC_PAYLOAD_FIELDS if name in event.payload}
