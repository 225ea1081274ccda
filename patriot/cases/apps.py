from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "patriot.cases"
    label = "cases"
    verbose_name = _("Laporan")

    def ready(self) -> None:
        from django.db.models import Model
        from django.db.models.signals import post_delete, post_save

        from patriot.accounts.choices import RoleChoices as Role
        from patriot.accounts.models import Agency, ResponseTeam
        from patriot.cases import demo, jobs, monitoring, seed
        from patriot.cases.catalogue import reset_catalogue_on_change
        from patriot.cases.events import CASE_EVENTS
        from patriot.cases.filters import reset_reference_choices
        from patriot.cases.models import Category
        from patriot.core import registry
        from patriot.core.registry import MenuEntry
        from patriot.geo.models import District, Village

        for model in (Category, Agency):  # intake's per-process copy of the categories (cases/catalogue.py)
            for signal, what in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    reset_catalogue_on_change, sender=model, dispatch_uid=f"catalogue-{what}-{model.__name__}"
                )
        listed: tuple[type[Model], ...] = (Category, Agency, ResponseTeam, District, Village)
        for option_model in listed:  # the case filter's options (filters.py)
            for signal, what in ((post_save, "save"), (post_delete, "delete")):
                signal.connect(
                    reset_reference_choices,
                    sender=option_model,
                    dispatch_uid=f"filter-choices-{what}-{option_model.__name__}",
                )
        registry.register_event_type(CASE_EVENTS)
        registry.register_job(jobs.SLA_SWEEP)
        registry.register_job(jobs.HELD_PHOTOS)
        registry.register_job(jobs.TRIGRAM_TABLES)
        registry.register_gauges(monitoring.CASE_GAUGES)
        for step in (*seed.SEED_STEPS, demo.SEED_STEP):
            registry.register_seed_step(step)
        for rule in jobs.RETENTION_RULES:
            registry.register_retention(rule)
        for role, url_name in (
            (Role.POC_OPERATOR, "staff-poc-queue"),
            (Role.POC_SUPERVISOR, "staff-poc-queue"),
            (Role.AGENCY_ADMIN, "staff-opd-inbox"),
            (Role.AGENCY_OFFICER, "staff-opd-inbox"),
            (Role.URC_OFFICER, "staff-urc-assignments"),
        ):
            registry.register_start_page(role, url_name)
        for entry in (
            MenuEntry(
                _("Antrean verifikasi"),
                "staff-poc-queue",
                Role.POC_ROLES,
                10,
                current_url_names=("staff-poc-queue", "staff-poc-case"),
            ),
            MenuEntry(_("Cari laporan"), "staff-search", Role.CITYWIDE_ROLES, 50),
            MenuEntry(_("Kotak masuk OPD"), "staff-opd-inbox", Role.AGENCY_ROLES, 70),
            MenuEntry(_("Tugas saya"), "staff-urc-assignments", frozenset({Role.URC_OFFICER}), 80),
        ):
            registry.register_menu_entry(entry)
