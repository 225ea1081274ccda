"""The reference kecamatan and kelurahan, loaded first by `patriot seed` (core.registry)."""

from __future__ import annotations

from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.services import load_reference_areas


def seed_areas() -> SeedReport:
    districts, villages = load_reference_areas()
    return SeedReport([f"Wilayah: {districts} kecamatan, {villages} kelurahan"])


SEED_STEP = SeedStep("areas", seed_areas, 10)
