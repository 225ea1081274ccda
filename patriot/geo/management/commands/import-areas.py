"""`patriot import-areas FILE.geojson`: replace kelurahan boundaries with those of an official GeoJSON file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from patriot.geo.management.importing import import_file
from patriot.geo.services import import_areas


class Command(BaseCommand):
    help = (
        "Mengimpor batas resmi kelurahan dari GeoJSON FeatureCollection (WGS84). Setiap fitur wajib memiliki "
        "properti 'code' (NN.NN.NN.NNNN) dan 'name', serta 'kecamatan_name' bila kecamatannya baru. Seluruh "
        "berkas diperiksa lebih dulu; satu masalah saja membatalkan impor tanpa mengubah data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="berkas GeoJSON FeatureCollection berisi poligon kelurahan")

    def handle(self, *args: Any, file: str, verbosity: int, **options: Any) -> None:
        result = import_file(file, import_areas, unit="kel", verbosity=verbosity)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Batas resmi diimpor untuk %(villages)d kelurahan (%(created)d baru, %(updated)d diperbarui); "
                    "%(districts)d kecamatan baru."
                )
                % {
                    "villages": result.villages_imported,
                    "created": result.villages_created,
                    "updated": result.villages_updated,
                    "districts": result.districts_created,
                }
            )
        )
        if result.repaired_codes:
            self.stdout.write(
                self.style.WARNING(
                    _("Geometri tidak sah yang diperbaiki otomatis (periksa di peta): %(codes)s")
                    % {"codes": ", ".join(result.repaired_codes)}
                )
            )
        self.stdout.write(_("Proses server yang sedang berjalan memakai batas baru setelah dimulai ulang."))
