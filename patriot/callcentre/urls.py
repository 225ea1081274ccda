"""Routes of the 1500444 console (/callcentre/…) and the phone system's hook (/callcentre/api/incoming)."""

from __future__ import annotations

from django.urls import path

from patriot.callcentre import views
from patriot.callcentre.api import hook

urlpatterns = [
    path("", views.console, name="callcentre-console"),
    path("berdering/", views.incoming, name="callcentre-incoming"),
    path("cari/", views.lookup, name="callcentre-lookup"),
    path("jawab/", views.answer, name="callcentre-answer"),
    path("panggilan/", views.call_log, name="callcentre-log"),
    path("panggilan/csv-pribadi/", views.call_log_personal_csv, name="callcentre-log-personal-csv"),
    path("panggilan/<int:pk>/", views.call_screen, name="callcentre-call"),
    path("panggilan/<int:pk>/tautkan/", views.link, name="callcentre-link"),
    path("panggilan/<int:pk>/nomor/", views.give_number, name="callcentre-number"),
    path("panggilan/<int:pk>/selesai/", views.end, name="callcentre-end"),
    path("panggilan/<int:pk>/laporan/", views.report, name="callcentre-report"),
    path("panggilan/<int:pk>/laporan/atribut/", views.report_attributes, name="callcentre-report-attributes"),
    path("panggilan/<int:pk>/laporan/<str:number>/", views.report_done, name="callcentre-report-done"),
    path("api/", hook.urls),
]
