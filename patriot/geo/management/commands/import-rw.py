"""`patriot import-rw FILE.geojson`: create RW and RT numbers in their kelurahan, with their polygons if given."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from patriot.geo.management.importing import import_file
from patriot.geo.services import import_rw_rt


class Command(BaseCommand):
    help = (
        "Mengimpor RW dan RT dari GeoJSON FeatureCollection (WGS84). Setiap fitur wajib memiliki properti "
        "'kelurahan_code' (kelurahan yang sudah ada) dan 'rw', serta 'rt' untuk sebuah RT; geometrinya Polygon, "
        "MultiPolygon, atau null untuk nomornya saja. Seluruh berkas diperiksa lebih dulu; satu masalah saja "
        "membatalkan impor tanpa mengubah data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="berkas GeoJSON FeatureCollection berisi RW dan RT")

    def handle(self, *args: Any, file: str, verbosity: int, **options: Any) -> None:
        result = import_file(file, import_rw_rt, unit="fitur", verbosity=verbosity)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "RW diimpor: %(rw_created)d baru, %(rw_updated)d diperbarui; RT: %(rt_created)d baru, %(rt_updated)d diperbarui."
                )
                % {
                    "rw_created": result.rw_created,
                    "rw_updated": result.rw_updated,
                    "rt_created": result.rt_created,
                    "rt_updated": result.rt_updated,
                }
            )
        )
        if result.repaired:
            self.stdout.write(
                self.style.WARNING(
                    _("Geometri tidak sah yang diperbaiki otomatis (periksa di peta): %(codes)s")
                    % {"codes": ", ".join(result.repaired)}
                )
            )
        self.stdout.write(_("Proses server yang sedang berjalan memakai batas baru setelah dimulai ulang."))
