from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patriot.core"
    label = "core"
    verbose_name = "Patriot"
