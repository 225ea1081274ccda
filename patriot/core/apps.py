from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "patriot.core"
    label = "core"
    verbose_name = "Patriot"

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices
        from patriot.core import checks, registry  # noqa: F401 (checks registers the production-mode checks)

        # The admin site and the background jobs page are the core's own pages.
        registry.register_start_page(RoleChoices.SYSTEM_ADMIN, "admin:index")
        registry.register_menu_entry(
            registry.MenuEntry(_("Pekerjaan latar"), "core-jobs", frozenset({RoleChoices.SYSTEM_ADMIN}), 90)
        )
