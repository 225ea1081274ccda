from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "patriot.core"
    label = "core"
    verbose_name = "Patriot"

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices
        from patriot.core import checks, registry  # noqa: F401 (checks registers the production-mode checks)

        # The admin site is the core's own page.
        registry.register_start_page(RoleChoices.SYSTEM_ADMIN, "admin:index")
