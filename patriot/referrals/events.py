"""Sirine's live bed events: a hospital's figure of one bed type changed (subject type "beds", subject id the
BedCount id). The public stream (/events/public/) carries only the hospital's code, the bed type, free, total and
the update time: no room, no queue, no staff member, never a patient."""

from __future__ import annotations

from collections.abc import Collection

from patriot.accounts.choices import RoleChoices as Role
from patriot.core.registry import EventType
from patriot.events.audience import Viewer
from patriot.events.models import OutboxEvent

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


def may_receive(user: Viewer, event: OutboxEvent) -> bool:
    return user.role in BED_EVENT_ROLES


def public_bed_counts(subject_ids: Collection[str]) -> Collection[str]:
    """The bed rows the public board still shows: those of active facilities."""
    from patriot.referrals.models import BedCount

    ids = [int(value) for value in subject_ids if value.isdigit()]
    rows = BedCount.objects.filter(pk__in=ids, facility__unit__is_active=True).values_list("pk", flat=True)
    return {str(pk) for pk in rows}


BED_EVENTS = EventType(
    name=SUBJECT_TYPE,
    may_receive=may_receive,
    public_fields=PUBLIC_FIELDS,
    public_subjects=public_bed_counts,
    stream_roles=frozenset(BED_EVENT_ROLES),
)
