"""Routes of the jumantik's pages (/jumantik/…)."""

from __future__ import annotations

from django.urls import path

from patriot.larvae import views

urlpatterns = [
    path("", views.my_week, name="larvae-my-week"),
    path("periksa/", views.inspect, name="larvae-inspect"),
]
