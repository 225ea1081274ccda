"""The citizens app's background work for `patriot worker` (core.registry): notifications and their retention."""

from __future__ import annotations

import logging

from patriot.citizens import notify
from patriot.citizens.services import purge_notifications
from patriot.core.registry import PeriodicJob, RetentionRule

# The worker's log, whichever app's job writes it.
logger = logging.getLogger("patriot.worker")
NOTIFY_INTERVAL_SECONDS = 5


def notify_citizens() -> None:
    created = notify.relay_outbox()
    if created:
        logger.info("Notifications: %d new", created)


# Outbox relay every few seconds; the email/SMS deliveries it queues run as tasks (core/tasks.py).
NOTIFICATIONS = PeriodicJob("citizen-notifications", notify_citizens, NOTIFY_INTERVAL_SECONDS)
RETENTION_RULE = RetentionRule("citizens' notifications", "PATRIOT_RETENTION_NOTIFICATIONS_DAYS", purge_notifications)
