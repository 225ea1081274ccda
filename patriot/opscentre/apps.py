from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpscentreConfig(AppConfig):
    name = "patriot.opscentre"
    label = "opscentre"
    verbose_name = _("Pusat operasi (POC dan wali kota)")
