"""`patriot api-token create|list|revoke`: issues bearer tokens for API clients, lists and revokes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from patriot.accounts.models import ApiToken, User
from patriot.accounts.services import create_api_token, revoke_api_token


def _user(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"Pengguna {username!r} tidak ada.") from None


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Mengelola token API: create USERNAME [--name NAMA], list USERNAME, revoke AWALAN [--user USERNAME]."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{create,list,revoke}")
        create = actions.add_parser("create", help="Buat token; token hanya ditampilkan sekali.")
        create.add_argument("username")
        create.add_argument("--name", default="api", help="Nama token, mis. nama aplikasi klien (bawaan: api).")
        listing = actions.add_parser("list", help="Daftar token milik pengguna.")
        listing.add_argument("username")
        revoke = actions.add_parser("revoke", help="Cabut token berdasarkan awalannya (8 karakter pertama).")
        revoke.add_argument("prefix")
        revoke.add_argument("--user", dest="owner", help="Batasi ke token milik pengguna ini.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(options["username"], options["name"])
        elif options["action"] == "list":
            self._list(options["username"])
        else:
            self._revoke(options["prefix"], options["owner"])

    def _create(self, username: str, name: str) -> None:
        try:
            token, secret = create_api_token(_user(username), name)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Token {token.name!r} untuk {username} dibuat (awalan {token.prefix}). "
            "Simpan sekarang; token tidak dapat ditampilkan lagi:"
        )
        self.stdout.write(secret)

    def _list(self, username: str) -> None:
        tokens = ApiToken.objects.filter(user=_user(username)).order_by("created_at")
        if not tokens:
            self.stdout.write(f"{username} belum punya token.")
            return
        self.stdout.write(f"{'Awalan':<8}  {'Dibuat':<16}  {'Terakhir dipakai':<16}  {'Status':<18}  Nama")
        for token in tokens:
            status = f"dicabut {_when(token.revoked_at)[:10]}" if token.revoked_at else "aktif"
            self.stdout.write(
                f"{token.prefix:<8}  {_when(token.created_at):<16}  {_when(token.last_used_at):<16}  "
                f"{status:<18}  {token.name}"
            )

    def _revoke(self, prefix: str, owner: str | None) -> None:
        tokens = ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("user")
        if owner is not None:
            tokens = tokens.filter(user=_user(owner))
        matches = list(tokens[:2])
        if not matches:
            raise CommandError(f"Tidak ada token aktif dengan awalan {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(f"Lebih dari satu token aktif berawalan {prefix!r}; sebutkan pemiliknya dengan --user.")
        token = matches[0]
        revoke_api_token(token)
        self.stdout.write(f"Token {token.prefix} ({token.name}) milik {token.user.username} dicabut.")
