from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpscentreConfig(AppConfig):
    name = "patriot.opscentre"
    label = "opscentre"
    verbose_name = _("Pusat operasi (POC dan wali kota)")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from patriot.core.registry import MenuEntry
        from patriot.opscentre import demo

        registry.register_start_page(Role.MAYOR, "opscentre-mayor")
        registry.register_seed_step(demo.SEED_STEP)
        for entry in (
            MenuEntry(_("Dasbor POC"), "opscentre-dashboard", Role.POC_ROLES, 20),
            MenuEntry(_("Ruang kerja wali kota"), "opscentre-mayor", frozenset({Role.MAYOR, Role.SYSTEM_ADMIN}), 30),
            MenuEntry(_("Ringkasan mingguan"), "opscentre-weekly", Role.CITYWIDE_ROLES, 60),
        ):
            registry.register_menu_entry(entry)
