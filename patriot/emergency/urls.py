"""Routes of PSC 119's pages (/psc/…), registered by emergency/apps.py."""

from __future__ import annotations

from django.urls import path

from patriot.emergency.views import calls, reports
from patriot.emergency.views import dispatch as dispatch_views

urlpatterns = [
    path("", calls.new_call, name="emergency-call"),
    path("tutup/", calls.close_call, name="emergency-close-call"),
    path("berdering/", calls.ringing, name="emergency-ringing"),
    path("angkat/<int:call_id>/", calls.pick_up, name="emergency-pick-up"),
    path("insiden/<int:pk>/", calls.incident_page, name="emergency-incident"),
    path("insiden/<int:pk>/tutup/", calls.close_incident, name="emergency-close-incident"),
    path("ambulans/", calls.ambulance_list, name="emergency-ambulances"),
    path("ambulans/<int:pk>/langkah/", calls.ambulance_step, name="emergency-ambulance-step"),
    path("papan/", dispatch_views.board, name="emergency-board"),
    path("papan/data/", dispatch_views.board_data, name="emergency-board-data"),
    path("papan/panel/", dispatch_views.panel_partial, name="emergency-panel"),
    path("insiden/<int:pk>/saran/", dispatch_views.suggestions, name="emergency-suggestions"),
    path("insiden/<int:pk>/tugaskan/", dispatch_views.dispatch_units, name="emergency-dispatch"),
    path("insiden/<int:pk>/alihkan/", dispatch_views.reroute, name="emergency-reroute"),
    path("laporan/", reports.interval_report, name="emergency-report"),
    path("laporan/csv/", reports.interval_report_csv, name="emergency-report-csv"),
]
