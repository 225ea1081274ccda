"""Citizens' pages: the POT report form, tracking by number, the private link and the public map."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
