"""Sirine's live events.

"referral": its payload carries ids, states, urgency and the units it concerns, never a patient's name, NIK or
diagnosis, and it has no public form, so nothing of a referral reaches the public stream. Who receives one: hospital
staff of the units it names (the referring facility and the receiving hospital of that offer; events about several
offers are recorded once per offer), Dinkes (referrals.access.is_dinkes: health officers of the city's health agency,
not another agency's nor a puskesmas's), and, for an escalation (an answer later than its target), the POC roles, whose dashboard shows only
the count.

"beds": a hospital's figure of one bed type changed (subject id the BedCount id). The public stream
(/events/public/) carries only the hospital's code, the bed type, free, total and the update time: no room, no queue,
no staff member, never a patient."""

from __future__ import annotations

from collections.abc import Collection

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent
from patriot.referrals.access import is_dinkes

# --- referrals -----------------------------------------------------------------------------------------------------

REFERRAL_SUBJECT = "referral"
ESCALATION_ROLES = Role.POC_ROLES


def may_receive_referral(user: Viewer, event: OutboxEvent) -> bool:
    if is_dinkes(user):
        return True
    if user.role != Role.HOSPITAL_STAFF and not (event.payload.get("escalated") and user.role in ESCALATION_ROLES):
        # Only a facility's hospital staff work referrals (referrals.access.user_facility); not its other roles.
        return False
    if event.payload.get("escalated") and user.role in ESCALATION_ROLES:
        return True
    unit_id = getattr(user, "unit_id", None)
    return unit_id is not None and unit_id in event.payload.get("units", ())


REFERRAL_EVENTS = EventType(
    name=REFERRAL_SUBJECT, may_receive=may_receive_referral, stream_roles=frozenset({Role.HEALTH_OFFICER})
)

# --- beds ----------------------------------------------------------------------------------------------------------

SUBJECT_TYPE = "beds"
CHANGED = "beds.changed"
# What the public bed board needs to update one cell, and nothing more.
PUBLIC_FIELDS = ("hospital", "bed_type", "free", "total", "updated_at")
# Who watches beds on the staff stream: the POC and the mayor, Dinkes, the PSC 119 and hospitals (referrals).
BED_EVENT_ROLES = Role.POC_ROLES | {
    Role.MAYOR,
    Role.HEALTH_OFFICER,
    Role.PSC_CALL_TAKER,
    Role.PSC_DISPATCHER,
    Role.HOSPITAL_STAFF,
}


def may_receive_beds(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in BED_EVENT_ROLES


def public_bed_counts(subject_ids: Collection[str]) -> Collection[str]:
    """The bed rows the public board still shows: those of active facilities."""
    from patriot.referrals.models import BedCount

    ids = [int(value) for value in subject_ids if value.isdigit()]
    rows = BedCount.objects.filter(pk__in=ids, facility__unit__is_active=True).values_list("pk", flat=True)
    return {str(pk) for pk in rows}


BED_EVENTS = EventType(
    name=SUBJECT_TYPE,
    may_receive=may_receive_beds,
    public_fields=PUBLIC_FIELDS,
    public_subjects=public_bed_counts,
    stream_roles=frozenset(BED_EVENT_ROLES),
)
