"""Background jobs (SLA sweeps) run every minute by `patriot worker`, or inside the web process on SQLite."""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections

logger = logging.getLogger("patriot.worker")

SWEEP_INTERVAL_SECONDS = 60


def run_jobs_once() -> None:
    from patriot.cases.services import sweep_sla

    result = sweep_sla()
    if result.due_soon or result.escalated or result.closed:
        logger.info("SLA sweep: %d due soon, %d escalated, %d closed", result.due_soon, result.escalated, result.closed)


def run_forever(stop: threading.Event, interval: float = SWEEP_INTERVAL_SECONDS) -> None:
    """Run the jobs every `interval` seconds until `stop` is set; one failed round does not end the loop."""
    while not stop.is_set():
        close_old_connections()
        try:
            run_jobs_once()
        except Exception:
            logger.exception("Background jobs failed; retrying in %s s", interval)
        finally:
            close_old_connections()
        stop.wait(interval)


def start_in_process() -> threading.Event:
    """Start the jobs on a daemon thread of this process; returns the event that stops them."""
    stop = threading.Event()
    threading.Thread(target=run_forever, args=(stop,), name="patriot-worker", daemon=True).start()
    return stop
