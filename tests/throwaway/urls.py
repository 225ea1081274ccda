from __future__ import annotations

from django.urls import path

from tests.throwaway import plugin

urlpatterns = [path("", plugin.home, name="throwaway-home")]
