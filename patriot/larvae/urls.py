"""Routes of Si Tik Tik's pages (/jumantik/…)."""

from __future__ import annotations

from django.urls import path

from patriot.larvae.views import areas, supervision
from patriot.larvae.views import inspections as views

urlpatterns = [
    path("", views.my_week, name="larvae-my-week"),
    path("periksa/", views.inspect, name="larvae-inspect"),
    path("sw.js", views.service_worker, name="larvae-service-worker"),
    path("indeks/", views.indices, name="larvae-indices"),
    path("pengawasan/", supervision.inspections, name="larvae-supervision"),
    path("pemeriksaan/<int:pk>/", supervision.inspection_detail, name="larvae-inspection"),
    path("pemeriksaan/<int:pk>/foto/", supervision.inspection_photo, name="larvae-inspection-photo"),
    path("mutu/", supervision.data_quality, name="larvae-quality"),
    path("target/", supervision.rt_targets, name="larvae-rt-targets"),
    path("wilayah/", areas.areas, name="larvae-areas"),
    path("wilayah/peta.json", areas.map_json, name="larvae-areas-map"),
    path("wilayah/tren.json", areas.trend_json, name="larvae-areas-trend"),
    path("wilayah/rekap/<str:code>/", areas.recap, name="larvae-recap"),
    path("wilayah/rekap/<str:code>.csv", areas.recap_csv, name="larvae-recap-csv"),
    path("wilayah/dbd/", areas.dengue_cases, name="larvae-dengue"),
    path("wilayah/peringatan/", areas.alerts, name="larvae-alerts"),
    path("wilayah/peringatan/<int:pk>/selesai/", areas.resolve_alert, name="larvae-alert-resolve"),
    path("wilayah/peringatan/<int:pk>/rumah/", supervision.alert_houses, name="larvae-alert-houses"),
    path("wilayah/panel/poc/", areas.poc_panel, name="larvae-panel-poc"),
    path("wilayah/panel/walikota/", areas.mayor_panel, name="larvae-panel-mayor"),
]
