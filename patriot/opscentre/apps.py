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

        registry.register_start_page(Role.MAYOR, "opscentre-mayor")
