"""`patriot backup DIR`: a consistent copy of the database and media files with a checksummed manifest."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from patriot.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Mencadangkan basis data (SQLite: API cadangan daring; PostgreSQL: pg_dump format custom), berkas media "
        "dan manifes berisi checksum ke folder DIR yang baru atau kosong. Aman dijalankan selama Patriot melayani."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Folder cadangan (baru atau kosong).")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = create_backup(options["directory"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Cadangan {result.vendor} di {result.path}: basis data {result.database_bytes} bita, "
                f"{result.media_files} berkas media ({result.media_bytes} bita), outbox sampai #{result.outbox_last_id}, "
                f"{time.monotonic() - started:.1f} detik."
            )
        )
