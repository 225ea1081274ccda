"""URLs of the language switch (the landing page and the operations endpoints are in patriot/urls.py)."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
]
