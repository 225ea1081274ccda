"""ASGI entry point for uvicorn; on a single SQLite process it also runs the background jobs."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "patriot.settings")

application = get_asgi_application()

if settings.PATRIOT_INPROCESS_WORKER:
    from patriot.core.worker import start_in_process

    start_in_process()
