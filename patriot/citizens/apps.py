from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizensConfig(AppConfig):
    name = "patriot.citizens"
    label = "citizens"
    verbose_name = _("Akun warga (SOROT)")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.cases.queries import register_account_channel
        from patriot.citizens import demo, jobs, monitoring, queries
        from patriot.core import registry

        register_account_channel(queries.report_channel)

        registry.register_job(jobs.NOTIFICATIONS)
        registry.register_seed_step(demo.SEED_STEP)
        registry.register_seed_step(demo.QUIET_STEP)
        registry.register_gauges(monitoring.LAG_GAUGE)
        registry.register_readiness_check("outbox", monitoring.outbox_check)
        registry.register_retention(jobs.RETENTION_RULE)
        registry.register_start_page(Role.CITIZEN, "citizens:my-reports")
