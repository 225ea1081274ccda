"""Routes of Si Tik Tik's pages (/jumantik/…)."""

from __future__ import annotations

from django.urls import path

from patriot.larvae.views import inspections as views
from patriot.larvae.views import supervision

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
]
