"""Reads for PSC 119's pages. Every read of incidents is for PSC roles only (views check the role)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from patriot.emergency.choices import ClosureReasonChoices, IncidentStateChoices
from patriot.emergency.events import PSC_ROLES
from patriot.emergency.models import Ambulance, Incident, PatientReport

# Who may open the PSC's pages and read incidents (caller and patient data, UU PDP).
CALL_ROLES = PSC_ROLES


def day_start(now: datetime) -> datetime:
    return timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)


def non_emergency_counts(now: datetime) -> list[tuple[str, str, int]]:
    """Calls closed as not an emergency since local midnight: (reason, label, count) for every reason."""
    start = day_start(now)
    counted = dict(
        Incident.objects.filter(
            state=IncidentStateChoices.NON_EMERGENCY, created_at__gte=start, created_at__lt=start + timedelta(days=1)
        )
        .values_list("closure_reason")
        .annotate(n=Count("id"))
        .values_list("closure_reason", "n")
    )
    return [(reason, label, counted.get(reason, 0)) for reason, label in ClosureReasonChoices.choices()]  # type: ignore[misc]


def active_incidents() -> QuerySet[Incident]:
    return Incident.objects.filter(state__in=IncidentStateChoices.ACTIVE).select_related("village", "district")


def incident(pk: int) -> Incident | None:
    return (
        Incident.objects.select_related("village", "district", "call_taker", "requested_by", "duplicate_of")
        .filter(pk=pk)
        .first()
    )


def ambulances() -> QuerySet[Ambulance]:
    return Ambulance.objects.select_related("unit", "unit__parent", "incident")


# The crew's and the receiving hospital's reads (issue 11, items 7–9): each sees its own part only.


def crew_incident(ambulance: Ambulance) -> Incident | None:
    """The crew's current assignment, read fresh; None when the unit has none."""
    if ambulance.incident_id is None:
        return None
    return Incident.objects.select_related("village", "district").filter(pk=ambulance.incident_id).first()


def crew_report(ambulance: Ambulance, incident: Incident) -> PatientReport | None:
    return PatientReport.objects.select_related("destination").filter(incident=incident, ambulance=ambulance).first()


def incident_reports(incident: Incident) -> list[PatientReport]:
    """Every crew's on-scene report of this incident (one per ambulance sent), for the PSC's incident page."""
    return list(
        PatientReport.objects.filter(incident=incident)
        .select_related("ambulance__unit", "destination", "acknowledged_by")
        .order_by("ambulance__unit__name", "pk")
    )


# How long a handed-over patient stays on the hospital's incoming list after its acknowledgement.
INCOMING_KEPT = timedelta(hours=6)


def hospital_incoming(hospital_id: int, now: datetime) -> QuerySet[PatientReport]:
    """The notices sent to this hospital: not yet acknowledged, or acknowledged within INCOMING_KEPT."""
    return (
        PatientReport.objects.filter(destination_id=hospital_id, notified_at__isnull=False)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=now - INCOMING_KEPT))
        .select_related("incident", "ambulance__unit", "acknowledged_by")
        .order_by("acknowledged_at", "-notified_at")
    )
