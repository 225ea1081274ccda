"""Sirine's live event: "referral". Its payload carries ids, states, urgency and the units it concerns, never a
patient's name, NIK or diagnosis, and it has no public form, so nothing of a referral reaches the public stream.

Who receives one: hospital staff of the units it names (the referring facility and the receiving hospital of that offer;
events about several offers are recorded once per offer), Dinkes (health officers of the Dinkes agency: a
puskesmas's own health officers are not Dinkes), and, for an escalation (an answer later than its target), the
POC roles, whose dashboard shows only the count."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

REFERRAL_SUBJECT = "referral"
ESCALATION_ROLES = Role.POC_ROLES


def is_dinkes(user: Viewer) -> bool:
    """A health officer of an agency (Dinas Kesehatan); a puskesmas's health officers have no agency."""
    return user.role == Role.HEALTH_OFFICER and user.agency_id is not None


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    if is_dinkes(user):
        return True
    if user.role != Role.HOSPITAL_STAFF and not (event.payload.get("escalated") and user.role in ESCALATION_ROLES):
        # Only a facility's hospital staff work referrals (referral_queries.user_facility); not its other roles.
        return False
    if event.payload.get("escalated") and user.role in ESCALATION_ROLES:
        return True
    unit_id = getattr(user, "unit_id", None)
    return unit_id is not None and unit_id in event.payload.get("units", ())


REFERRAL_EVENTS = EventType(
    name=REFERRAL_SUBJECT, may_receive=may_receive, stream_roles=frozenset({Role.HEALTH_OFFICER})
)
