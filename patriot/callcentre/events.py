"""The call centre's live events (an incoming call, a caller on hold): for the people answering the line only."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

CALL_ROLES = frozenset({Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN})


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in CALL_ROLES


CALL_EVENTS = EventType(name="call", may_receive=may_receive)
