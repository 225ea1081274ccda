"""Retention of PSC 119's records (UU PDP), applied by the core's daily `retention` job (emergency/jobs.py):

- incidents with everything that hangs on them — the crews' patient reports (vitals, assessment, destination), the
  incident's timeline — are medical records: deleted PATRIOT_RETENTION_EMERGENCY_DAYS (25 years, as referrals)
  after the call came in, unless an ambulance is still assigned to the incident (its run is not over);
- the crews' status-tap receipts (who tapped which step when, kept so a tap queued offline is applied once) after
  PATRIOT_RETENTION_CREW_RECEIPTS_DAYS (90): a tap that old can no longer be sent (services.crew.MAX_TAP_AGE), and
  the incident keeps the times it stamped;
- an ambulance's last shared position (where its crew was) is blanked PATRIOT_RETENTION_CREW_POSITIONS_DAYS (90)
  after it was sent: a position that old says nothing about where the unit is (dispatch then uses its station's
  point). Positions are kept nowhere else (share_position overwrites the one row)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from patriot.emergency.models import Ambulance, CrewStepReceipt, Incident


def purge_finished_incidents(before: datetime) -> int:
    """Delete the incidents whose call came in before `before` and that no ambulance is assigned to any more, with
    their patient reports and timeline (CASCADE); returns how many incidents."""
    with transaction.atomic():
        finished = Incident.objects.filter(call_received_at__lt=before).exclude(
            pk__in=Ambulance.objects.filter(incident__isnull=False).values("incident_id")
        )
        deleted = finished.count()
        finished.delete()
    return deleted


def purge_crew_receipts(before: datetime) -> int:
    """Delete the status-tap receipts received before `before`; returns how many."""
    deleted, _by_model = CrewStepReceipt.objects.filter(received_at__lt=before).delete()
    return deleted


def forget_old_positions(before: datetime) -> int:
    """Blank the last position of every ambulance whose position was sent before `before`; returns how many."""
    return Ambulance.objects.filter(last_position_at__lt=before).update(
        last_latitude=None, last_longitude=None, last_position_at=None
    )
