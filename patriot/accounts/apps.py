from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "patriot.accounts"
    label = "accounts"
    verbose_name = _("Akun dan perangkat daerah")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from patriot.accounts import checks, seed
        from patriot.accounts.choices import RoleChoices
        from patriot.accounts.middleware import record_sign_in
        from patriot.core import registry

        user_logged_in.connect(record_sign_in, dispatch_uid="patriot-staff-session-start")
        for step in seed.SEED_STEPS:
            registry.register_seed_step(step)
        registry.register_production_data_check("demo-accounts", checks.demo_account_problems)
        # Staff of a role no app serves yet (the health roles, until their apps exist) land on a page saying so;
        # the apps installed after this one register their roles' start pages over it.
        for role in RoleChoices.values():
            if role != RoleChoices.CITIZEN and registry.start_page(role) is None:
                registry.register_start_page(role, "module-pending")
        # The system admin's pages: the admin site and the background jobs.
        registry.register_start_page(RoleChoices.SYSTEM_ADMIN, "admin:index")
        registry.register_menu_entry(
            registry.MenuEntry(_("Pekerjaan latar"), "core-jobs", frozenset({RoleChoices.SYSTEM_ADMIN}), 90)
        )
