from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "patriot.referrals"
    label = "referrals"
    verbose_name = _("Rujukan dan tempat tidur")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from patriot.referrals import capacity, seed
        from patriot.referrals.api import router

        registry.register_urls("tempat-tidur/", "patriot.referrals.public_urls")
        registry.register_urls("rumah-sakit/", "patriot.referrals.urls")
        registry.register_start_page(Role.HOSPITAL_STAFF, "referrals-my-beds")
        registry.register_menu_entry(
            registry.MenuEntry(_("Tempat tidur"), "referrals-my-beds", frozenset({Role.HOSPITAL_STAFF}), 10)
        )
        registry.register_seed_step(seed.SEED_STEP)
        registry.register_api_router("/referrals", router)
        registry.register_hospital_capacity(capacity.hospital_capacity)
