from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patriot.core"
    label = "core"
    verbose_name = "Patriot"

    def ready(self) -> None:
        from patriot.core import checks  # noqa: F401 (registers the production-mode checks)
