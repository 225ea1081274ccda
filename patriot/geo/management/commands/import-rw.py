"""`patriot import-rw FILE.geojson`: create RW and RT numbers in their kelurahan, with their polygons if given."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from patriot.geo.services import AreaImportError, import_rw_rt, read_feature_collection


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
        # As in import-areas: the bar starts with the first saved feature and writes to the real stderr.
        bars: list[tqdm] = []

        def advance(step: int) -> None:
            if not bars:
                bars.append(tqdm(total=len(features), unit="fitur", file=sys.stderr, disable=verbosity < 1))
            bars[0].update(step)

        try:
            features = read_feature_collection(file)
            result = import_rw_rt(features, progress=advance)
        except AreaImportError as error:
            raise CommandError(
                _("Impor dibatalkan, tidak ada data yang diubah:") + "\n" + "\n".join(error.problems)
            ) from error
        finally:
            for bar in bars:
                bar.close()
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
