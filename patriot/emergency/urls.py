"""Routes of PSC 119's pages (/psc/…), registered by emergency/apps.py."""

from __future__ import annotations

from django.urls import path

from patriot.emergency.views import calls, crew, reports
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

# The ambulance crew's phone page and the receiving hospital's incoming list (views/crew.py).
urlpatterns += [
    path("kru/", crew.crew_home, name="emergency-crew"),
    path("kru/sw.js", crew.service_worker, name="emergency-crew-service-worker"),
    path("kru/langkah/", crew.crew_step, name="emergency-crew-step"),
    path("kru/status/", crew.crew_state, name="emergency-crew-state"),
    path("kru/posisi/", crew.crew_position, name="emergency-crew-position"),
    path("kru/pasien/", crew.crew_report, name="emergency-crew-report"),
    path("kru/tujuan/", crew.crew_destination, name="emergency-crew-destination"),
    path("rs/", crew.hospital_incoming, name="emergency-hospital"),
    path("rs/<int:pk>/konfirmasi/", crew.hospital_acknowledge, name="emergency-hospital-acknowledge"),
]
