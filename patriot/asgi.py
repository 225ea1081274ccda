"""ASGI entry point for uvicorn; on a single SQLite process it also runs the background jobs
and the task queue."""

from __future__ import annotations

import os

from django.conf import settings

from patriot.core.asgi_handler import application as django_application
from patriot.core.bodylimit import BodySizeLimit
from patriot.core.checks import refuse_unsafe_start
from patriot.core.startup import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patriot.settings")

# Django's ASGI handler, but a synchronous view and its middleware run in one trip to the sync thread (asgi_handler).
application = BodySizeLimit(django_application(), settings.PATRIOT_MAX_REQUEST_BYTES)
# In production mode an unsafe installation fails here, so uvicorn exits with the reasons instead of serving.
refuse_unsafe_start()

if settings.PATRIOT_INPROCESS_WORKER:
    from patriot.core import tasks_runner
    from patriot.core.worker import start_in_process

    # The periodic jobs and, beside them, the queued one-off tasks (emails, SMS).
    tasks_runner.start(start_in_process())

# Last: everything loaded by now is kept for the process's life; the garbage collector stops walking it.
settle()
