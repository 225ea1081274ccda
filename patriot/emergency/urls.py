"""Routes of PSC 119's pages (/psc/…), registered by emergency/apps.py."""

from __future__ import annotations

from django.urls import path

from patriot.emergency.views import calls, crew

urlpatterns = [
    path("", calls.new_call, name="emergency-call"),
    path("tutup/", calls.close_call, name="emergency-close-call"),
    path("insiden/<int:pk>/", calls.incident_page, name="emergency-incident"),
    path("insiden/<int:pk>/tutup/", calls.close_incident, name="emergency-close-incident"),
    path("ambulans/", calls.ambulance_list, name="emergency-ambulances"),
    path("ambulans/<int:pk>/langkah/", calls.ambulance_step, name="emergency-ambulance-step"),
]

# The ambulance crew's phone page and the receiving hospital's incoming list (views/crew.py).
urlpatterns += [
    path("kru/", crew.crew_home, name="emergency-crew"),
    path("kru/langkah/", crew.crew_step, name="emergency-crew-step"),
    path("kru/status/", crew.crew_state, name="emergency-crew-state"),
    path("kru/posisi/", crew.crew_position, name="emergency-crew-position"),
    path("kru/pasien/", crew.crew_report, name="emergency-crew-report"),
    path("kru/tujuan/", crew.crew_destination, name="emergency-crew-destination"),
    path("rs/", crew.hospital_incoming, name="emergency-hospital"),
    path("rs/<int:pk>/konfirmasi/", crew.hospital_acknowledge, name="emergency-hospital-acknowledge"),
]
