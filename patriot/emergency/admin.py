"""PSC 119 in the admin: ambulance profiles only. Incidents hold caller and patient data (UU PDP, PSC roles only)
and are not in the admin at all; an ambulance's status moves only through emergency.services."""

from __future__ import annotations

from django.contrib import admin

from patriot.emergency.models import Ambulance


@admin.register(Ambulance)
class AmbulanceAdmin(admin.ModelAdmin[Ambulance]):
    list_display = ["unit", "ambulance_type", "status", "status_changed_at"]
    list_filter = ["ambulance_type", "status"]
    readonly_fields = ["status", "status_changed_at", "incident", "out_of_service_reason"]
    exclude = ["last_latitude", "last_longitude", "last_position_at"]
