"""Si Tik Tik's live events: an inspection arrived. Staff only, and never a household's address or name."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

# The Patriot Operation Centre watches every area; Dinkes (health officers) acts on them. Jumantik see their own
# inspections on their pages, not on a stream; the public gets no larvae event at all (no public fields).
LARVAE_EVENT_ROLES = Role.POC_ROLES | {Role.MAYOR, Role.HEALTH_OFFICER}


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in LARVAE_EVENT_ROLES


# Health officers have no staff stream of their own: the larvae events open it to them.
LARVAE_EVENTS = EventType(name="larvae", may_receive=may_receive, stream_roles=LARVAE_EVENT_ROLES)
