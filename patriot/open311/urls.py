"""Routes of open311."""

from __future__ import annotations

urlpatterns: list = []
