"""`patriot open311-key create|list|revoke`: issues API keys for Open311 client applications, lists and revokes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from patriot.open311.models import ApiKey
from patriot.open311.services import create_api_key, revoke_api_key


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Mengelola kunci API Open311: create NAMA, list, revoke AWALAN."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Buat kunci untuk aplikasi NAMA; kunci hanya ditampilkan sekali.")
        create.add_argument("name")
        actions.add_parser("list", help="Daftar kunci.")
        revoke = actions.add_parser("revoke", help="Cabut kunci berdasarkan awalannya (8 karakter pertama).")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["name"])
        elif options["action"] == "list":
            self._list()
        else:
            self._revoke(options["prefix"])

    def _create(self, name: str) -> None:
        try:
            key, secret = create_api_key(name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Kunci Open311 untuk {key.name!r} dibuat (awalan {key.prefix}). "
            "Simpan sekarang; kunci tidak dapat ditampilkan lagi:"
        )
        self.stdout.write(secret)

    def _list(self) -> None:
        keys = ApiKey.objects.order_by("created_at")
        if not keys:
            self.stdout.write("Belum ada kunci Open311.")
            return
        self.stdout.write(f"{'Awalan':<8}  {'Dibuat':<16}  {'Terakhir dipakai':<16}  {'Status':<18}  Aplikasi")
        for key in keys:
            status = f"dicabut {_when(key.revoked_at)[:10]}" if key.revoked_at else "aktif"
            self.stdout.write(
                f"{key.prefix:<8}  {_when(key.created_at):<16}  {_when(key.last_used_at):<16}  {status:<18}  {key.name}"
            )

    def _revoke(self, prefix: str) -> None:
        matches = list(ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True)[:2])
        if not matches:
            raise CommandError(f"Tidak ada kunci aktif dengan awalan {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(f"Lebih dari satu kunci aktif berawalan {prefix!r}; cabut lewat admin.")
        key = matches[0]
        revoke_api_key(key)
        self.stdout.write(f"Kunci {key.prefix} ({key.name}) dicabut.")
