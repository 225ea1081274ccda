"""`patriot seed [--demo]`: loads the reference areas, agencies, categories and routing rules; demo accounts on request."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from patriot.accounts import totp
from patriot.accounts.models import Agency, ResponseTeam
from patriot.accounts.services import DemoAccount, create_demo_users, load_agencies, load_area_offices
from patriot.cases.models import Case, Category, RoutingRule
from patriot.core.demo import create_demo_cases
from patriot.core.seed import load_categories, load_routing_rules


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
        try:
            from patriot.geo.services import load_reference_areas
        except ImportError as exc:
            raise CommandError(f"patriot.geo.services.load_reference_areas tidak tersedia: {exc}") from exc

        try:
            with transaction.atomic():
                districts, villages = load_reference_areas()
                new_agencies, new_teams = load_agencies()
                new_offices = load_area_offices()
                new_categories = load_categories()
                new_rules = load_routing_rules()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

        self.stdout.write(f"Wilayah: {districts} kecamatan, {villages} kelurahan")
        self.stdout.write(f"OPD: {Agency.objects.count()} ({new_agencies} baru)")
        self.stdout.write(f"Tim URC: {ResponseTeam.objects.count()} ({new_teams} baru)")
        self.stdout.write(f"Kantor kecamatan dan kelurahan: {new_offices} baru")
        self.stdout.write(f"Kategori: {Category.objects.count()} ({new_categories} baru)")
        self.stdout.write(f"Aturan disposisi: {RoutingRule.objects.count()} ({new_rules} baru)")

        if options["demo"]:
            self._demo()

    def _demo(self) -> None:
        from patriot.callcentre.demo import create_demo_calls
        from patriot.citizens.demo import create_demo_citizens
        from patriot.open311.demo import create_demo_key
        from patriot.opscentre.demo import create_demo_instructions

        accounts = create_demo_users()
        if not Case.objects.exists():
            self.stdout.write(f"Laporan demo: {create_demo_cases()} dibuat")
            self.stdout.write(f"Laporan SOROT warga demo: {create_demo_citizens()} dibuat")
            self.stdout.write(f"Disposisi pimpinan demo: {create_demo_instructions()} dibuat")
            self.stdout.write(f"Panggilan 1500444 demo: {create_demo_calls()} dibuat")
        self._print_accounts(accounts)
        self.stdout.write("")
        self.stdout.write(f"Kunci Open311 demo (api_key): {create_demo_key()}")
        if settings.PATRIOT_CALLCENTRE_HOOK_SECRET:
            self.stdout.write(f"Rahasia hook telepon demo: {settings.PATRIOT_CALLCENTRE_HOOK_SECRET}")

    def _print_accounts(self, accounts: list[DemoAccount]) -> None:
        headers = ("Nama pengguna", "Peran", "OPD / tim URC", "Kata sandi", "Rahasia TOTP (aplikasi autentikator)")
        rows = [
            (
                a.username,
                a.role_label,
                " / ".join(part for part in (a.agency, a.team) if part) or "-",
                a.password,
                a.totp_secret or "-",
            )
            for a in accounts
        ]
        widths = [max(len(row[i]) for row in (headers, *rows)) for i in range(len(headers))]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Akun demo (PATRIOT_DEMO aktif; jangan dipakai di server sungguhan):"))
        self.stdout.write(line(headers))
        self.stdout.write(line(tuple("-" * width for width in widths)))
        for row in rows:
            self.stdout.write(line(row))
        with_second_factor = [a.username for a in accounts if a.totp_secret]
        if with_second_factor:
            self.stdout.write(
                f"Kode TOTP sekarang: {totp.code_for(totp.DEMO_SECRET)} (berganti tiap 30 detik; "
                f"kode terbaru: .venv/bin/patriot totp-code {with_second_factor[0]})"
            )
