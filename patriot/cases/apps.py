from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "patriot.cases"
    label = "cases"
    verbose_name = _("Laporan")

    def ready(self) -> None:
        from patriot.cases.queries import public_tracking_numbers
        from patriot.events import visibility

        # The public event stream asks, when it reads an event, whether its case is public now.
        visibility.register("case", public_tracking_numbers)
