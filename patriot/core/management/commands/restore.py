"""`patriot restore DIR`: brings a backup made by `patriot backup` into this (fresh) installation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from patriot.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Memulihkan cadangan dari `patriot backup DIR`: semua checksum diperiksa lebih dulu, cadangan dari jenis "
        "basis data lain atau yang rusak ditolak tanpa mengubah apa pun. Basis data yang sudah berisi akun atau "
        "laporan hanya ditimpa dengan --replace. Jalankan `patriot migrate` sesudahnya bila Patriot lebih baru."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path, help="Folder cadangan.")
        parser.add_argument(
            "--replace", action="store_true", help="Timpa basis data yang sudah berisi akun atau laporan."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = restore_backup(options["directory"], replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Cadangan {result.vendor} dari {result.created_at} dipulihkan: {result.media_files} berkas media, "
                f"outbox sampai #{result.outbox_last_id}, {time.monotonic() - started:.1f} detik."
            )
        )
