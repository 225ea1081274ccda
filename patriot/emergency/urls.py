"""Routes of PSC 119's pages (/psc/…), registered by emergency/apps.py."""

from __future__ import annotations

from django.urls import path

from patriot.emergency.views import calls, reports

urlpatterns = [
    path("", calls.new_call, name="emergency-call"),
    path("tutup/", calls.close_call, name="emergency-close-call"),
    path("berdering/", calls.ringing, name="emergency-ringing"),
    path("angkat/<int:call_id>/", calls.pick_up, name="emergency-pick-up"),
    path("insiden/<int:pk>/", calls.incident_page, name="emergency-incident"),
    path("insiden/<int:pk>/tutup/", calls.close_incident, name="emergency-close-incident"),
    path("ambulans/", calls.ambulance_list, name="emergency-ambulances"),
    path("ambulans/<int:pk>/langkah/", calls.ambulance_step, name="emergency-ambulance-step"),
    path("laporan/", reports.interval_report, name="emergency-report"),
    path("laporan/csv/", reports.interval_report_csv, name="emergency-report-csv"),
]
