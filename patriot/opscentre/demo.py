"""Demo instructions from the mayor on a few open demo cases, some already answered by their agency."""

from __future__ import annotations

from datetime import timedelta

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases import services
from patriot.cases.choices import CaseStateChoices, ChannelChoices, SlaStatusChoices
from patriot.cases.demo import no_cases_yet
from patriot.cases.models import Case, Instruction
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep

TEXTS = [
    "Mohon segera ditangani, lokasi dekat sekolah dan banyak dikeluhkan warga.",
    "Laporkan ke saya hasil penanganannya paling lambat besok sore.",
    "Koordinasikan dengan kecamatan setempat dan pastikan warga mendapat kabar.",
    "Prioritaskan, ini sudah melewati batas waktu.",
    "Tolong cek langsung ke lapangan hari ini.",
]
ANSWERS = [
    "Siap, tim URC sudah dijadwalkan ke lokasi pagi ini.",
    "Sudah dikoordinasikan dengan camat; penanganan dimulai hari ini.",
]


def create_demo_instructions(count: int = 5) -> int:
    """Instructions on overdue and SOROT cases that an agency holds; the first two answered a few hours later.

    Idempotent: does nothing when instructions already exist or there is no mayor account.
    """
    mayor = User.objects.filter(role=RoleChoices.MAYOR, is_active=True).order_by("pk").first()
    if mayor is None or Instruction.objects.exists():
        return 0
    held = Case.objects.filter(
        state__in=[CaseStateChoices.DISPATCHED, CaseStateChoices.ASSIGNED, CaseStateChoices.IN_PROGRESS]
    ).select_related("agency")
    picked = list(held.filter(sla_status=SlaStatusChoices.OVERDUE).order_by("created_at")[:count])
    picked += list(
        held.filter(channel=ChannelChoices.SOROT).exclude(pk__in=[c.pk for c in picked])[: count - len(picked)]
    )
    # Cases of agencies with demo accounts first: their instructions can be answered, and a demo agency user
    # signing in sees the banner.
    staffed = set(
        User.objects.filter(role__in=RoleChoices.AGENCY_ROLES, is_active=True).values_list("agency_id", flat=True)
    )
    picked.sort(key=lambda case: case.agency_id not in staffed)
    made = 0
    now = clock.now()
    for n, case in enumerate(picked):
        written = max(case.dispatched_at or case.created_at, now - timedelta(hours=30 - 5 * n))
        with clock.pinned(written):
            instruction = services.instruct_case(case, by=mayor, text=TEXTS[n % len(TEXTS)])
        made += 1
        if n < len(ANSWERS):
            answerer = (
                User.objects.filter(
                    role__in=[RoleChoices.AGENCY_ADMIN, RoleChoices.AGENCY_OFFICER],
                    agency=case.agency,
                    is_active=True,
                )
                .order_by("pk")
                .first()
            )
            if answerer is not None:
                with clock.pinned(min(now, written + timedelta(hours=3 + 2 * n))):
                    services.answer_instruction(instruction, by=answerer, answer=ANSWERS[n])
    return made


def seed_demo_instructions() -> SeedReport:
    return SeedReport([f"Disposisi pimpinan demo: {create_demo_instructions()} dibuat"])


SEED_STEP = SeedStep("demo-instructions", seed_demo_instructions, 220, demo=True, needed=no_cases_yet)
