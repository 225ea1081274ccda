"""The personal-data audit of Si Tik Tik (UU PDP): every read of a household's address, point, photo or answers.

A page or export that shows household data of inspections calls `record_household_reads` in the same request with
the inspections shown and why; the rows go to core.PersonalDataAccess (subject "inspection", data "household"),
with the same retention as the other apps' reads (PATRIOT_RETENTION_ACCESS_AUDIT_DAYS, registered in larvae.apps).
Figures, areas and the POC's counts are not household data and are not recorded.
"""

from __future__ import annotations

from collections.abc import Iterable

from patriot.accounts.models import User
from patriot.core.audit import accesses_to, purge_access_log, record_access
from patriot.core.choices import PersonalDataChoices
from patriot.core.models import PersonalDataAccess
from patriot.core.registry import RetentionRule

SUBJECT = "inspection"
# The same rule the other apps register (deduplicated by the registry): the audit rows of every app go together.
ACCESS_LOG_RETENTION = RetentionRule(
    "personal data access log", "PATRIOT_RETENTION_ACCESS_AUDIT_DAYS", purge_access_log
)


def record_household_reads(user: User, inspection_ids: Iterable[int], purpose: str) -> list[PersonalDataAccess]:
    """Log that `user` was shown the household data of these inspections, for `purpose` (one row each)."""
    ids = list(inspection_ids)
    if not ids:
        return []
    return record_access(
        user, subject_type=SUBJECT, subject_ids=ids, data=PersonalDataChoices.HOUSEHOLD, purpose=purpose
    )


def household_reads(inspection_id: int) -> list[PersonalDataAccess]:
    """Who was shown one inspection's household data, newest first."""
    return list(accesses_to(SUBJECT, inspection_id).filter(data=PersonalDataChoices.HOUSEHOLD))
