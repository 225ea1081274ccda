from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "patriot.cases"
    label = "cases"
    verbose_name = _("Laporan")

    def ready(self) -> None:
        from patriot.cases import jobs
        from patriot.cases.events import CASE_EVENTS
        from patriot.core import registry

        registry.register_event_type(CASE_EVENTS)
        registry.register_job(jobs.SLA_SWEEP)
        for rule in jobs.RETENTION_RULES:
            registry.register_retention(rule)
