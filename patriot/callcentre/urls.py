"""Routes of callcentre."""

from __future__ import annotations

urlpatterns: list = []
