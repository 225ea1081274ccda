from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "patriot.emergency"
    label = "emergency"
    verbose_name = _("PSC 119 (gawat darurat)")

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from patriot.emergency import crew_demo
        from patriot.emergency.api import router
        from patriot.emergency.events import (
            AMBULANCE_EVENTS,
            INCIDENT_EVENTS,
            NOTICE_EVENTS,
            OVERVIEW_EVENTS,
            PSC_ROLES,
        )

        registry.register_urls("psc/", "patriot.emergency.urls")
        registry.register_api_router("/emergency", router)
        registry.register_event_type(INCIDENT_EVENTS)
        registry.register_event_type(AMBULANCE_EVENTS)
        registry.register_event_type(NOTICE_EVENTS)
        registry.register_event_type(OVERVIEW_EVENTS)
        registry.register_start_page(Role.AMBULANCE_CREW, "emergency-crew")
        registry.register_menu_entry(
            registry.MenuEntry(_("Penugasan"), "emergency-crew", frozenset({Role.AMBULANCE_CREW}), 10)
        )
        registry.register_menu_entry(
            registry.MenuEntry(_("Ambulans masuk"), "emergency-hospital", frozenset({Role.HOSPITAL_STAFF}), 20)
        )
        registry.register_seed_step(crew_demo.SEED_STEP)
        from patriot.emergency.jobs import RETENTION_RULES

        for rule in RETENTION_RULES:
            registry.register_retention(rule)
        from patriot.emergency.services import transfers

        registry.register_transfer_requester(transfers.request_transfer)
        registry.register_referral_transport_reader(transfers.readable_referrals)
        registry.register_start_page(Role.PSC_CALL_TAKER, "emergency-call")
        registry.register_start_page(Role.PSC_DISPATCHER, "emergency-board")
        registry.register_menu_entry(
            registry.MenuEntry(
                _("Panggilan 119"), "emergency-call", PSC_ROLES, 10, ("emergency-call", "emergency-incident")
            )
        )
        registry.register_menu_entry(registry.MenuEntry(_("Ambulans"), "emergency-ambulances", PSC_ROLES, 20))
        registry.register_menu_entry(registry.MenuEntry(_("Papan dispatch"), "emergency-board", PSC_ROLES, 15))
        registry.register_menu_entry(
            registry.MenuEntry(_("Laporan waktu PSC"), "emergency-report", PSC_ROLES | {Role.HEALTH_OFFICER}, 40)
        )
        from patriot.emergency.demo import SEED_STEPS
        from patriot.emergency.views.dispatch import PANEL_ROLES, workspace_panel

        for step in SEED_STEPS:
            registry.register_seed_step(step)
        for workspace in registry.WORKSPACES:
            registry.register_workspace_panel(
                registry.WorkspacePanel(
                    "emergency-" + workspace,
                    workspace,
                    "emergency/dispatch_panel.html",
                    workspace_panel,
                    30,
                    roles=PANEL_ROLES,
                )
            )
