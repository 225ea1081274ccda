from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "patriot.open311"
    label = "open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        from patriot.cases.models import Category
        from patriot.core import registry
        from patriot.open311 import checks, demo
        from patriot.open311.services import note_catalogue_change

        # Categories are edited in the admin and created by the seed; either way discovery's changeset follows.
        post_save.connect(note_catalogue_change, sender=Category, dispatch_uid="open311-catalogue-saved")
        post_delete.connect(note_catalogue_change, sender=Category, dispatch_uid="open311-catalogue-deleted")
        registry.register_seed_step(demo.SEED_STEP)
        registry.register_production_data_check("open311-demo-key", checks.demo_key_problems)
