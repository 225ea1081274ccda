from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "patriot.geo"
    label = "geo"
    verbose_name = _("Wilayah")

    def ready(self) -> None:
        from patriot.core import registry
        from patriot.geo import seed
        from patriot.geo.gazetteer import reset_city_places_on_change
        from patriot.geo.lookup import reset_area_index_on_change
        from patriot.geo.models import CityPlace, District, RukunTetangga, RukunWarga, Village

        # The lookup index holds names and shapes; any saved or deleted area makes the next lookup rebuild it.
        for model in (District, Village, RukunWarga, RukunTetangga):
            post_save.connect(reset_area_index_on_change, sender=model, dispatch_uid=f"geo-index-save-{model.__name__}")
            post_delete.connect(
                reset_area_index_on_change, sender=model, dispatch_uid=f"geo-index-delete-{model.__name__}"
            )
        # The place search holds the city's places per process (gazetteer.py); a saved or deleted one clears it.
        post_save.connect(reset_city_places_on_change, sender=CityPlace, dispatch_uid="geo-city-places-save")
        post_delete.connect(reset_city_places_on_change, sender=CityPlace, dispatch_uid="geo-city-places-delete")
        registry.register_seed_step(seed.SEED_STEP)
