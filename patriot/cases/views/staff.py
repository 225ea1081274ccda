"""Staff pages: the POC triage queue and case page, case search, the agency inbox and the URC field view."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
