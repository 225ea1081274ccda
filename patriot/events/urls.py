"""Routes of the live streams."""

from __future__ import annotations

urlpatterns: list = []
