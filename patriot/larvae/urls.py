"""Routes of Si Tik Tik's pages (/jumantik/…)."""

from __future__ import annotations

from django.urls import path

from patriot.larvae.views import inspections as views

urlpatterns = [
    path("", views.my_week, name="larvae-my-week"),
    path("periksa/", views.inspect, name="larvae-inspect"),
    path("indeks/", views.indices, name="larvae-indices"),
]
