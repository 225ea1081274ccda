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
        from patriot.referrals import access, capacity, demo, referral_jobs, referral_seed, seed
        from patriot.referrals.api import router
        from patriot.referrals.events import BED_EVENTS, REFERRAL_EVENTS

        registry.register_urls("tempat-tidur/", "patriot.referrals.public_urls")
        registry.register_urls("rumah-sakit/", "patriot.referrals.urls")
        registry.register_urls("dinkes/", "patriot.referrals.dinkes_urls")
        registry.register_event_type(BED_EVENTS)
        registry.register_start_page(Role.HOSPITAL_STAFF, "referrals-home")
        registry.register_menu_entry(
            registry.MenuEntry(_("Tempat tidur"), "referrals-my-beds", frozenset({Role.HOSPITAL_STAFF}), 10)
        )
        # Dinkes's health officers land on Dinkes's page, which links to Si Tik Tik's indices (Dinkes runs both);
        # a puskesmas's health officers keep the larvae indices (larvae registers the role's start page).
        registry.register_start_page(Role.HEALTH_OFFICER, "referrals-dinkes", only=access.is_dinkes)
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
        registry.register_hospital_capacity(capacity.hospital_capacity)
        from patriot.referrals.services.referrals import record_transfer_arrival, record_transfer_diversion

        registry.register_transfer_arrival(record_transfer_arrival)
        registry.register_transfer_diversion(record_transfer_diversion)
        registry.register_urls("rujukan/", "patriot.referrals.referral_urls")
        registry.register_event_type(REFERRAL_EVENTS)
        registry.register_job(referral_jobs.ESCALATION_JOB)
        for rule in referral_jobs.RETENTION_RULES:
            registry.register_retention(rule)
        for step in referral_seed.SEED_STEPS:
            registry.register_seed_step(step)
        registry.register_menu_entry(
            registry.MenuEntry(
                _("Rujukan"),
                "referrals-home",
                frozenset({Role.HOSPITAL_STAFF}),
                5,
                ("referrals-incoming", "referrals-outgoing", "referrals-new", "referrals-detail"),
            )
        )
        registry.register_menu_entry(
            registry.MenuEntry(
                _("Rujukan"),
                "referrals-all",
                frozenset({Role.HEALTH_OFFICER}),
                20,
                ("referrals-all", "referrals-detail"),
            )
        )
        registry.register_workspace_panel(
            registry.WorkspacePanel(
                "referral-escalations",
                "poc-dashboard",
                "referrals/referral_poc_panel.html",
                _escalation_panel,
                60,
                roles=Role.POC_ROLES,
            )
        )
        # The POC sees the city's referral figures (counts only) and opens Dinkes' page for the rest.
        registry.register_workspace_panel(
            registry.WorkspacePanel(
                "referral-figures",
                "poc-dashboard",
                "referrals/referral_figures_poc_panel.html",
                _figures_panel,
                61,
                roles=Role.POC_ROLES,
            )
        )


def _escalation_panel(request: object) -> dict[str, object]:
    """A count only: the POC is told of late answers, never of the patients."""
    from patriot.referrals.referral_queries import escalated_count

    return {"referral_escalations": escalated_count()}


def _figures_panel(request: object) -> dict[str, object]:
    from patriot.referrals.views.dinkes_referrals import poc_panel

    return poc_panel(request)
