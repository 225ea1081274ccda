"""PSC 119's retention rules, applied by the core's daily `retention` job (periods in settings.py and
deploy/patriot.env.example; what each rule removes: emergency/services/retention.py)."""

from __future__ import annotations

from patriot.core.audit import purge_access_log
from patriot.core.registry import RetentionRule
from patriot.emergency.services import retention

RETENTION_RULES = (
    RetentionRule(
        "finished PSC 119 incidents with the crews' patient reports (medical records)",
        "PATRIOT_RETENTION_EMERGENCY_DAYS",
        retention.purge_finished_incidents,
    ),
    RetentionRule("crews' status-tap receipts", "PATRIOT_RETENTION_CREW_RECEIPTS_DAYS", retention.purge_crew_receipts),
    RetentionRule(
        "ambulances' last shared positions", "PATRIOT_RETENTION_CREW_POSITIONS_DAYS", retention.forget_old_positions
    ),
    # The same rule any health app registers for core.PersonalDataAccess (incident and patient-report reads are
    # logged there): registered once (equal rules are one).
    RetentionRule("personal data access log", "PATRIOT_RETENTION_ACCESS_AUDIT_DAYS", purge_access_log),
)
