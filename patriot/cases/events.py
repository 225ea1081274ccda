"""The case's live events: who on the staff stream receives them and what the public stream keeps of them."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.cases.queries import public_tracking_numbers
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

# What the public stream keeps of a case event's payload: where and what, never who.
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


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    """The same rule as cases.queries.visible_cases: city-wide roles all, an agency its cases, a team its own."""
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


CASE_EVENTS = EventType(
    name="case",
    may_receive=may_receive,
    public_fields=PUBLIC_PAYLOAD_FIELDS,
    public_subjects=public_tracking_numbers,
)
