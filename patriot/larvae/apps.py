from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LarvaeConfig(AppConfig):
    name = "patriot.larvae"
    label = "larvae"
    verbose_name = _("Si Tik Tik (jentik)")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from patriot.larvae.api import router
        from patriot.larvae.demo_accounts import SEED_STEP as FIELD_ACCOUNTS
        from patriot.larvae.events import LARVAE_EVENTS

        registry.register_urls("jumantik/", "patriot.larvae.urls")
        registry.register_api_router("/larvae", router)
        registry.register_event_type(LARVAE_EVENTS)
        registry.register_seed_step(FIELD_ACCOUNTS)
        registry.register_start_page(Role.JUMANTIK, "larvae-my-week")
        registry.register_start_page(Role.HEALTH_OFFICER, "larvae-indices")
        jumantik = frozenset({Role.JUMANTIK})
        # "/jumantik/" starts every page's path: the week is current on its own page only.
        registry.register_menu_entry(
            registry.MenuEntry(_("Minggu saya"), "larvae-my-week", jumantik, 10, ("larvae-my-week",))
        )
        registry.register_menu_entry(registry.MenuEntry(_("Periksa rumah"), "larvae-inspect", jumantik, 20))
        registry.register_menu_entry(
            registry.MenuEntry(_("Indeks jentik"), "larvae-indices", frozenset({Role.HEALTH_OFFICER}), 10)
        )
        # Supervisors of jumantik: the coordinator starts on their area's inspections; Dinkes and puskesmas (health
        # officers) find them next to the indices.
        registry.register_start_page(Role.JUMANTIK_COORDINATOR, "larvae-supervision")
        supervisors = frozenset({Role.JUMANTIK_COORDINATOR, Role.HEALTH_OFFICER})
        registry.register_menu_entry(registry.MenuEntry(_("Pemeriksaan rumah"), "larvae-supervision", supervisors, 20))
        registry.register_menu_entry(registry.MenuEntry(_("Mutu data"), "larvae-quality", supervisors, 30))
        registry.register_menu_entry(registry.MenuEntry(_("Target RT"), "larvae-rt-targets", supervisors, 40))
