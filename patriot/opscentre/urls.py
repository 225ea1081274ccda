"""Routes of opscentre."""

from __future__ import annotations

urlpatterns: list = []
