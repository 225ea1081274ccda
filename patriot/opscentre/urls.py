"""Routes of the ops centre: the POC dashboard and its partials, the mayor's workspace, the weekly summary."""

from __future__ import annotations

from django.urls import path

from patriot.opscentre import views

urlpatterns = [
    path("poc/dasbor/", views.dashboard, name="opscentre-dashboard"),
    path("poc/dasbor/angka/", views.counters_partial, name="opscentre-counters"),
    path("poc/dasbor/opd/", views.agencies_partial, name="opscentre-agencies"),
    path("poc/dasbor/arus/", views.feed_partial, name="opscentre-feed"),
    path("poc/dasbor/grafik.json", views.charts_data, name="opscentre-charts"),
    path("poc/dasbor/peta.json", views.map_data, name="opscentre-map"),
    path("poc/ringkasan/", views.weekly, name="opscentre-weekly"),
    path("walikota/", views.mayor, name="opscentre-mayor"),
    path("walikota/laporan/", views.mayor_cases_partial, name="opscentre-mayor-cases"),
    path("walikota/angka/", views.mayor_counters_partial, name="opscentre-mayor-counters"),
    path("walikota/disposisi/", views.mayor_instructions_partial, name="opscentre-mayor-instructions"),
]
