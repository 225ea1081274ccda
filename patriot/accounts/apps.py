from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "patriot.accounts"
    label = "accounts"
    verbose_name = _("Akun dan perangkat daerah")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from patriot.accounts import seed
        from patriot.accounts.middleware import record_sign_in
        from patriot.core import registry

        user_logged_in.connect(record_sign_in, dispatch_uid="patriot-staff-session-start")
        for step in seed.SEED_STEPS:
            registry.register_seed_step(step)
