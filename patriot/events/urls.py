"""Routes of the live streams."""

from __future__ import annotations

from django.urls import path

from patriot.events import views

urlpatterns = [
    path("stream/", views.staff_stream, name="events-stream"),
    path("public/", views.public_stream, name="events-public"),
]
