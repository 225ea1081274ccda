"""`patriot import-places FILE`: the city's own places (streets, offices, stations, …) for the report form's search."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from patriot.geo.gazetteer import CITY_PLACES_TTL_SECONDS
from patriot.geo.management.importing import import_file
from patriot.geo.services import import_places, read_places_file


class Command(BaseCommand):
    help = (
        "Mengimpor tempat milik kota (jalan, kantor, stasiun, pasar, sekolah, tempat ibadah, taman, lainnya) untuk "
        "pencarian tempat di formulir laporan, dari CSV dengan kolom name,kind,latitude,longitude[,source] atau "
        "GeoJSON FeatureCollection berisi Point (properti name, kind, source; WGS84). Titik di luar kota ditolak. "
        "Seluruh berkas diperiksa lebih dulu; satu masalah saja membatalkan impor tanpa mengubah data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="berkas CSV atau GeoJSON berisi tempat")
        parser.add_argument(
            "--source",
            default="",
            help="sumber dan lisensi untuk baris tanpa kolom source (bawaan: nama berkas)",
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="hapus dulu tempat yang pernah diimpor dari sumber yang sama (tempat yang ditambah di admin tetap)",
        )

    def handle(self, *args: Any, file: str, source: str, replace: bool, verbosity: int, **options: Any) -> None:
        result = import_file(
            file,
            partial(import_places, replace=replace),
            unit="tempat",
            verbosity=verbosity,
            reader=partial(read_places_file, default_source=source),
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("Tempat diimpor: %(created)d baru, %(removed)d lama dihapus; sumber: %(sources)s.")
                % {"created": result.created, "removed": result.removed, "sources": "; ".join(result.sources)}
            )
        )
        self.stdout.write(
            _("Proses server lain memakai tempat baru dalam %(seconds)d detik.")
            % {"seconds": int(CITY_PLACES_TTL_SECONDS)}
        )
