"""Routes of PSC 119's pages (/psc/…), registered by emergency/apps.py."""

from __future__ import annotations

from django.urls import path

from patriot.emergency import views

urlpatterns = [
    path("", views.new_call, name="emergency-call"),
    path("tutup/", views.close_call, name="emergency-close-call"),
    path("insiden/<int:pk>/", views.incident_page, name="emergency-incident"),
    path("insiden/<int:pk>/tutup/", views.close_incident, name="emergency-close-incident"),
    path("ambulans/", views.ambulance_list, name="emergency-ambulances"),
    path("ambulans/<int:pk>/langkah/", views.ambulance_step, name="emergency-ambulance-step"),
]
