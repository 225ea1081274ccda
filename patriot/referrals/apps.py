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
        from patriot.referrals import demo, seed
        from patriot.referrals.api import router
        from patriot.referrals.events import BED_EVENTS

        registry.register_urls("tempat-tidur/", "patriot.referrals.public_urls")
        registry.register_urls("rumah-sakit/", "patriot.referrals.urls")
        registry.register_urls("dinkes/", "patriot.referrals.dinkes_urls")
        registry.register_event_type(BED_EVENTS)
        registry.register_start_page(Role.HOSPITAL_STAFF, "referrals-my-beds")
        registry.register_menu_entry(
            registry.MenuEntry(_("Tempat tidur"), "referrals-my-beds", frozenset({Role.HOSPITAL_STAFF}), 10)
        )
        # Health officers land on Si Tik Tik's indices (larvae registers it); Dinkes' page is in their menu.
        registry.register_menu_entry(
            registry.MenuEntry(
                _("Dasbor Dinkes"),
                "referrals-dinkes",
                frozenset({Role.HEALTH_OFFICER, Role.MAYOR, *Role.POC_ROLES}),
                60,
            )
        )
        registry.register_seed_step(seed.SEED_STEP)
        registry.register_seed_step(demo.SEED_STEP)
        registry.register_api_router("/referrals", router)
