"""`patriot load-areas`: create or update the reference kecamatan and kelurahan with their demo polygons."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from patriot.geo.services import load_reference_areas


class Command(BaseCommand):
    help = (
        "Membuat atau memperbarui kecamatan dan kelurahan referensi; kelurahan tanpa batas resmi mendapat "
        "poligon perkiraan."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        districts, villages = load_reference_areas()
        self.stdout.write(
            self.style.SUCCESS(
                _("Wilayah referensi dimuat: %(districts)d kecamatan, %(villages)d kelurahan.")
                % {"districts": districts, "villages": villages}
            )
        )
