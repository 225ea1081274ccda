"""`patriot worker`: runs the background jobs every minute and, on a thread beside them, the queued one-off tasks
(core/tasks_runner.py) until stopped (several may run on PostgreSQL)."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from patriot.core import tasks_runner
from patriot.core.checks import refuse_unsafe_start
from patriot.core.worker import SWEEP_INTERVAL_SECONDS, run_forever, run_jobs_once

# On SIGTERM the task thread finishes the task it is running (SMTP and SMS calls time out well before this).
TASK_FINISH_SECONDS = 30


class Command(BaseCommand):
    help = "Menjalankan pekerjaan latar (pemantauan SLA) setiap menit."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Jalankan satu putaran lalu berhenti.")
        parser.add_argument("--interval", type=float, default=SWEEP_INTERVAL_SECONDS, help="Jeda antarputaran (detik).")

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unsafe_start()  # the automatic system checks ran without the database, which holds demo accounts
        if options["once"]:
            run_jobs_once()
            tasks_runner.run_ready_tasks()
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        self.stdout.write(f"Worker berjalan; putaran setiap {options['interval']:g} detik.")
        tasks = tasks_runner.start(stop)
        run_forever(stop, options["interval"])
        tasks.join(timeout=TASK_FINISH_SECONDS)
