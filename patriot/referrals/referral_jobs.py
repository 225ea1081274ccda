"""Referrals' periodic job (late answers escalated) and retention rules (referrals as medical records, 25 years;
the personal-data access log the referral pages write)."""

from __future__ import annotations

from patriot.core.audit import purge_access_log
from patriot.core.registry import PeriodicJob, RetentionRule
from patriot.referrals import services


def escalate() -> None:
    services.escalate_overdue()


ESCALATION_JOB = PeriodicJob("referral-escalation", escalate, 60)
RETENTION_RULES = (
    RetentionRule("finished referrals (medical records)", "PATRIOT_RETENTION_REFERRALS_DAYS", services.purge_finished),
    # The same rule any health app registers for core.PersonalDataAccess: registered once (equal rules are one).
    RetentionRule("personal data access log", "PATRIOT_RETENTION_ACCESS_AUDIT_DAYS", purge_access_log),
)
