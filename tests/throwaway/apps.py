"""The throw-away app registers one of each thing an app can plug in (core.registry)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThrowawayConfig(AppConfig):
    name = "tests.throwaway"
    label = "throwaway"

    def ready(self) -> None:
        from patriot.accounts.choices import RoleChoices as Role
        from patriot.core import registry
        from tests.throwaway import plugin

        registry.register_urls("buang/", "tests.throwaway.urls")
        registry.register_event_type(
            registry.EventType(name="larva", may_receive=plugin.may_receive, stream_roles=frozenset({Role.JUMANTIK}))
        )
        registry.register_job(registry.PeriodicJob("throwaway-count", plugin.count, 30))
        registry.register_start_page(Role.JUMANTIK, "throwaway-home")
        registry.register_menu_entry(
            registry.MenuEntry(_("Survei jentik"), "throwaway-home", frozenset({Role.JUMANTIK}), 15)
        )
        registry.register_seed_step(registry.SeedStep("throwaway-sites", plugin.seed, 50))
        registry.register_gauges(
            registry.Gauges("throwaway", (registry.GaugeFamily("patriot_throwaway_sites", "Sites."),), plugin.gauges)
        )
        registry.register_readiness_check("throwaway", plugin.ready_check)
        registry.register_workspace_panel(
            registry.WorkspacePanel("throwaway-week", "poc-dashboard", "throwaway/panel.html", plugin.panel, 50)
        )
        registry.register_workspace_panel(
            registry.WorkspacePanel(
                "throwaway-mayor", "mayor", "throwaway/panel.html", plugin.panel, 50, roles=frozenset({Role.MAYOR})
            )
        )
