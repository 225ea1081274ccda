"""`patriot seed [--demo]`: runs the seed steps the apps registered (core.registry): reference areas, agencies,
categories and routing rules; with --demo, demo accounts, keys and demo history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from patriot.core import quiet, registry


class Command(BaseCommand):
    """Runs on every `make run`: creates what is missing and keeps existing rows as the city edited them."""

    help = (
        "Memuat data acuan: kecamatan dan kelurahan, OPD dan tim URC, kategori, aturan disposisi. "
        "Aman dijalankan berulang: baris yang belum ada dibuat, baris yang sudah ada (termasuk suntingan "
        "di admin) dibiarkan. --demo juga membuat satu akun demo per peran dan, bila belum ada laporan, "
        "riwayat laporan demo (hanya bila PATRIOT_DEMO aktif)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Buat atau setel ulang akun demo untuk setiap peran, dengan satu kata sandi yang dicetak.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] and not settings.PATRIOT_DEMO:
            raise CommandError("--demo hanya boleh dengan PATRIOT_DEMO=1: akun demo memakai kata sandi yang diumumkan.")
        closing: list[str] = []
        try:
            with transaction.atomic():
                reports = [step.run() for step in registry.seed_steps(demo=False)]
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        for report in reports:
            self._write(report.lines)
            closing += report.closing
        if options["demo"]:
            steps = registry.seed_steps(demo=True)
            # Asked before any step runs: the demo history of every app goes only into a database that had none.
            wanted = [step for step in steps if step.needed is None or step.needed()]
            for step in wanted:
                with quiet.nobody_notified():  # demo history is told to nobody (core/quiet.py)
                    report = step.run()
                self._write(report.lines)
                closing += report.closing
        self._write(closing)

    def _write(self, lines: list[str]) -> None:
        for line in lines:
            self.stdout.write(line)
