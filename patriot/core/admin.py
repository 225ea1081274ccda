"""Admin site branding: the platform and the city's name on every admin page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

admin.site.site_header = f"Patriot — {settings.PATRIOT_CITY_NAME}"
admin.site.site_title = f"Patriot {settings.PATRIOT_CITY_NAME}"
