"""PSC 119's live events: an incident opened or closed, an ambulance changed status (staff of the PSC only), and the
city's emergency overview for the POC dashboard's and the mayor's panels (OVERVIEW_EVENTS).

Neither type has public fields, so nothing about an incident, its patient or its caller reaches the public stream;
the payloads carry ids, states and levels, never a name, number or address."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

# Only the PSC's call takers and dispatchers (UU PDP: not even the system admin). Crews and hospitals will get their own
# assignments' events when the dispatch part is built.
PSC_ROLES = frozenset({Role.PSC_CALL_TAKER, Role.PSC_DISPATCHER})

INCIDENT_SUBJECT = "emergency_incident"
AMBULANCE_SUBJECT = "ambulance"
# A crew's patient report and pre-arrival notice (emergency.services.crew): addressed to the destination
# hospital's unit (OutboxEvent.unit_id), so that hospital's staff receive it, and no other hospital's.
NOTICE_SUBJECT = "emergency_notice"


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in PSC_ROLES


# No stream_roles: PSC staff open the staff stream as members of their PSC unit (events.audience.may_subscribe).
INCIDENT_EVENTS = EventType(name=INCIDENT_SUBJECT, may_receive=may_receive)
AMBULANCE_EVENTS = EventType(name=AMBULANCE_SUBJECT, may_receive=may_receive)
# The PSC receives every notice; the destination hospital's staff receive theirs through the event's unit address
# (events.audience.may_receive), never another hospital's, and never the public.
NOTICE_EVENTS = EventType(name=NOTICE_SUBJECT, may_receive=may_receive)

# The emergency panels of the POC dashboard and the mayor's workspace (emergency.dispatch.overview_payload): counts,
# kecamatan totals at the kecamatan's centre, units by status and the points of units at rest. Written with every
# incident or ambulance event (services.incidents.record_overview), received by the POC roles and the mayor only:
# not the PSC (its board reads its own events), no other role, never the public (no public fields).
OVERVIEW_SUBJECT = "emergency_overview"
OVERVIEW_ROLES = Role.POC_ROLES | {Role.MAYOR}


def may_receive_overview(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in OVERVIEW_ROLES


OVERVIEW_EVENTS = EventType(name=OVERVIEW_SUBJECT, may_receive=may_receive_overview)
