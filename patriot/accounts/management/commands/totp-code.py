"""`patriot totp-code USERNAME`: the current authenticator code of a demo account (published demo secret only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from patriot.accounts import totp
from patriot.accounts.models import User
from patriot.core.errors import DomainError


class Command(BaseCommand):
    help = (
        "Mencetak kode TOTP saat ini untuk akun demo yang memakai rahasia demo yang diumumkan "
        "(pengganti aplikasi autentikator saat mencoba demo). Akun lain ditolak."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"Pengguna {options['username']!r} tidak ada.")
        try:
            self.stdout.write(totp.demo_code(user))
        except DomainError as error:
            raise CommandError(error.message) from error
