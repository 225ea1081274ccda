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
        from patriot.larvae.events import LARVAE_EVENTS

        registry.register_event_type(LARVAE_EVENTS)
        registry.register_start_page(Role.JUMANTIK, "larvae-my-week")
        registry.register_start_page(Role.HEALTH_OFFICER, "larvae-indices")
