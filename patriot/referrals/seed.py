"""Health facilities for `patriot seed` (after the areas: a point is placed in its kelurahan)."""

from __future__ import annotations

from patriot.core.registry import SeedReport, SeedStep
from patriot.referrals.models import Facility
from patriot.referrals.services import load_facilities


def seed_facilities() -> SeedReport:
    created = load_facilities()
    return SeedReport([f"Fasilitas kesehatan: {Facility.objects.count()} ({created} baru)"])


SEED_STEP = SeedStep("health-facilities", seed_facilities, 26)
