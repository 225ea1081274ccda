"""The call centre's live events (an incoming call, a caller on hold): for the people answering that line only."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.callcentre.lines import PSC_LINE_ROLES, is_psc_line
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

CALL_ROLES = frozenset({Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN})


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    """A call on a PSC 119 line reaches the PSC's staff; any other call the call centre's."""
    if is_psc_line(str((event.payload or {}).get("line", ""))):
        return user.role in PSC_LINE_ROLES
    return user.role in CALL_ROLES


CALL_EVENTS = EventType(name="call", may_receive=may_receive)
