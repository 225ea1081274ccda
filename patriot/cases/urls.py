"""Routes of the case pages: citizens' pages at the root, staff pages under their workspaces."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("patriot.cases.views.citizen")),
    path("", include("patriot.cases.views.staff")),
]
