"""`patriot import-areas FILE.geojson`: replace kelurahan boundaries with those of an official GeoJSON file."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from tqdm import tqdm

from patriot.geo.services import AreaImportError, import_areas, read_feature_collection


class Command(BaseCommand):
    help = (
        "Mengimpor batas resmi kelurahan dari GeoJSON FeatureCollection (WGS84). Setiap fitur wajib memiliki "
        "properti 'code' (NN.NN.NN.NNNN) dan 'name', serta 'kecamatan_name' bila kecamatannya baru. Seluruh "
        "berkas diperiksa lebih dulu; satu masalah saja membatalkan impor tanpa mengubah data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="berkas GeoJSON FeatureCollection berisi poligon kelurahan")

    def handle(self, *args: Any, file: str, verbosity: int, **options: Any) -> None:
        # The bar starts with the first saved kelurahan, so a file refused while being checked shows none.
        # tqdm writes carriage returns to the real stderr; Django's output wrapper would end each with a newline.
        bars: list[tqdm] = []

        def advance(step: int) -> None:
            if not bars:
                bars.append(tqdm(total=len(features), unit="kel", file=sys.stderr, disable=verbosity < 1))
            bars[0].update(step)

        try:
            features = read_feature_collection(file)
            result = import_areas(features, progress=advance)
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
