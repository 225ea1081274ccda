"""The cases app's background work for `patriot worker` (core.registry): the SLA sweep and its retention rules."""

from __future__ import annotations

import logging

from patriot.cases import held_photos, search_sql, services
from patriot.core.registry import PeriodicJob, RetentionRule

# The worker's log, whichever app's job writes it.
logger = logging.getLogger("patriot.worker")


def sweep_sla() -> None:
    result = services.sweep_sla()
    if result.due_soon or result.escalated or result.closed:
        logger.info("SLA sweep: %d due soon, %d escalated, %d closed", result.due_soon, result.escalated, result.closed)


def purge_held_photos() -> None:
    removed = held_photos.purge_expired()
    if removed:
        logger.info("Held photos of abandoned report forms deleted: %d", removed)


# Every round of the worker (a minute by default).
SLA_SWEEP = PeriodicJob("sla-sweep", sweep_sla)
# Photos kept for a refused report form (cases/held_photos.py) that was never sent again.
HELD_PHOTOS = PeriodicJob("held-photos-purge", purge_held_photos, interval=3600)
# SQLite: the trigram indexes of reporters' numbers and of the cases' texts lose what was forgotten or deleted since
# the day before.
TRIGRAM_TABLES = PeriodicJob("trigram-merge", search_sql.merge_trigram_tables, interval=86400)
RETENTION_RULES = (
    RetentionRule(
        "reporter contact details of finished cases",
        "PATRIOT_RETENTION_REPORTER_CONTACT_DAYS",
        services.forget_reporter_contacts,
    ),
    RetentionRule(
        "reporter-data access audit rows", "PATRIOT_RETENTION_ACCESS_AUDIT_DAYS", services.purge_reporter_access_log
    ),
)
