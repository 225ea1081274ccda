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
        from patriot.larvae.audit import ACCESS_LOG_RETENTION
        from patriot.larvae.demo_accounts import SEED_STEP as FIELD_ACCOUNTS
        from patriot.larvae.events import LARVAE_EVENTS

        registry.register_urls("jumantik/", "patriot.larvae.urls")
        registry.register_api_router("/larvae", router)
        registry.register_event_type(LARVAE_EVENTS)
        registry.register_seed_step(FIELD_ACCOUNTS)
        registry.register_retention(ACCESS_LOG_RETENTION)
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
        self._register_areas()

    def _register_areas(self) -> None:
        """The areas part: map and recap pages, thresholds job, dengue cases, POC and mayor panels."""
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from patriot.larvae import area_queries, demo
        from patriot.larvae.services import dengue, thresholds
        from patriot.larvae.views import areas

        dinkes = frozenset({Role.HEALTH_OFFICER})
        registry.register_menu_entry(
            registry.MenuEntry(
                _("Peta jentik"), "larvae-areas", dinkes | Role.POC_ROLES, 12, ("larvae-areas", "larvae-recap")
            )
        )
        registry.register_menu_entry(registry.MenuEntry(_("Kasus DBD"), "larvae-dengue", dinkes, 14))
        registry.register_menu_entry(
            registry.MenuEntry(_("Peringatan jentik"), "larvae-alerts", dinkes | {Role.URC_OFFICER}, 16)
        )
        # Every round of `patriot worker`: the current week's crossings raise or add to one case per RW.
        registry.register_job(registry.PeriodicJob("larvae-thresholds", thresholds.run_threshold_job))
        # A referral admitted with dengue (ICD-10 A90/A91) is a confirmed case in its area.
        registry.register_diagnosis_listener("larvae-dengue", dengue.record_from_diagnosis)
        registry.register_workspace_panel(
            registry.WorkspacePanel(
                name="larvae",
                workspace="poc-dashboard",
                template="larvae/_poc_panel.html",
                context=areas.poc_panel_context,
                order=50,
                roles=area_queries.AREA_ROLES,
            )
        )
        registry.register_workspace_panel(
            registry.WorkspacePanel(
                name="larvae-dengue-risk",
                workspace="mayor",
                template="larvae/_mayor_panel.html",
                context=areas.mayor_panel_context,
                order=50,
                roles=area_queries.AREA_ROLES,
            )
        )
        for step in demo.SEED_STEPS:
            registry.register_seed_step(step)
