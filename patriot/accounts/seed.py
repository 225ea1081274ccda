"""Agencies and URC teams for `patriot seed`, and with `--demo` one demo account per role, printed as a table
(core.registry)."""

from __future__ import annotations

from patriot.accounts import totp
from patriot.accounts.models import Agency, ResponseTeam
from patriot.accounts.services import DemoAccount, create_demo_users, load_agencies, load_area_offices
from patriot.core.registry import SeedReport, SeedStep


def seed_agencies() -> SeedReport:
    new_agencies, new_teams = load_agencies()
    return SeedReport(
        [
            f"OPD: {Agency.objects.count()} ({new_agencies} baru)",
            f"Tim URC: {ResponseTeam.objects.count()} ({new_teams} baru)",
        ]
    )


def seed_area_offices() -> SeedReport:
    """One office unit per kecamatan and kelurahan (after the areas are loaded)."""
    return SeedReport([f"Kantor kecamatan dan kelurahan: {load_area_offices()} baru"])


def seed_demo_accounts() -> SeedReport:
    """Create or reset the demo accounts; their table is printed at the end, after the demo history."""
    return SeedReport(closing=account_table(create_demo_users()))


def account_table(accounts: list[DemoAccount]) -> list[str]:
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

    lines = [
        "",
        "Akun demo (PATRIOT_DEMO aktif; jangan dipakai di server sungguhan):",
        line(headers),
        line(tuple("-" * width for width in widths)),
        *(line(row) for row in rows),
    ]
    with_second_factor = [a.username for a in accounts if a.totp_secret]
    if with_second_factor:
        lines.append(
            f"Kode TOTP sekarang: {totp.code_for(totp.DEMO_SECRET)} (berganti tiap 30 detik; "
            f"kode terbaru: .venv/bin/patriot totp-code {with_second_factor[0]})"
        )
    return lines


SEED_STEPS = (
    SeedStep("agencies", seed_agencies, 20),
    SeedStep("area-offices", seed_area_offices, 25),
    SeedStep("demo-accounts", seed_demo_accounts, 100, demo=True),
)
