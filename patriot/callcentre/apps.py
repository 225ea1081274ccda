from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcentreConfig(AppConfig):
    name = "patriot.callcentre"
    label = "callcentre"
    verbose_name = _("Call center 1500444")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.callcentre import demo
        from patriot.callcentre.events import CALL_EVENTS
        from patriot.core import registry
        from patriot.core.registry import MenuEntry

        registry.register_event_type(CALL_EVENTS)
        for step in demo.SEED_STEPS:
            registry.register_seed_step(step)
        registry.register_start_page(Role.CALLCENTRE_OPERATOR, "callcentre-console")
        registry.register_menu_entry(
            MenuEntry(
                _("Call center 1500444"),
                "callcentre-console",
                frozenset({Role.CALLCENTRE_OPERATOR, Role.SYSTEM_ADMIN}),
                40,
            )
        )
