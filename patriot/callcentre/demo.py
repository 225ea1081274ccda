"""Demo calls on the 1500444 line: a repeat caller, a status question, an emergency transfer, through the services."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.callcentre import services
from patriot.callcentre.choices import CallTypeChoices, EmergencyLineChoices
from patriot.callcentre.models import Call
from patriot.cases.demo import no_cases_yet
from patriot.cases.models import Case, Category
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.models import Village

REPEAT_CALLER = "0812-8800-1500"
# (hours ago, caller, name, type, category code, kelurahan name, what the caller said, call minutes)
SCRIPT = [
    (
        72,
        REPEAT_CALLER,
        "Bu Ratna",
        CallTypeChoices.NEW_REPORT,
        "tutup-saluran-hilang",
        "Margahayu",
        "Tutup saluran di depan Pasar Proyek hilang, lubangnya dalam. Sudah ada motor yang terperosok.",
        4,
    ),
    (
        50,
        "0813-1122-3344",
        "Pak Darto",
        CallTypeChoices.NEW_REPORT,
        "sampah-liar",
        "Bintara",
        "Sampah menumpuk di pinggir Jl. Raya Bintara sejak seminggu, baunya sampai ke rumah warga.",
        6,
    ),
    (
        30,
        "0821-5566-7788",
        "",
        CallTypeChoices.EMERGENCY,
        "",
        "",
        "Kecelakaan motor di Jl. Ahmad Yani, korban luka.",
        1,
    ),
    (
        26,
        REPEAT_CALLER,
        "Bu Ratna",
        CallTypeChoices.STATUS_QUESTION,
        "",
        "",
        "Menanyakan tutup saluran di Pasar Proyek.",
        2,
    ),
    (5, "0857-9000-1234", "", CallTypeChoices.OTHER, "", "", "Menanyakan jam layanan Disdukcapil.", 2),
]

# Required custom attributes of the categories above, as the operator would ask for them.
ATTRIBUTES = {"sampah-liar": {"volume": "sedang", "lokasi_pembuangan": "pinggir_jalan"}}


def create_demo_calls() -> int:
    """A few handled calls from the last days; returns how many. Needs areas, categories and the demo operator."""
    operator = User.objects.filter(role=RoleChoices.CALLCENTRE_OPERATOR).order_by("pk").first()
    if operator is None or Call.objects.exists():
        return 0
    now = clock.now()
    reported: dict[str, str] = {}
    created = 0
    for hours_ago, number, name, call_type, category_code, village_name, said, minutes in SCRIPT:
        start = now - timedelta(hours=hours_ago)
        with clock.pinned(start):
            call = services.answer_call(by=operator, caller_number=number, caller_name=name)
        end = start + timedelta(minutes=minutes)
        with clock.pinned(start + timedelta(minutes=max(1, minutes - 1))):
            if call_type == CallTypeChoices.NEW_REPORT:
                category = Category.objects.filter(code=category_code, is_active=True).first()
                village = Village.objects.filter(name=village_name).first()
                if category is not None and village is not None:
                    result = services.report_for_caller(
                        call,
                        services.PhoneReport(
                            category=category,
                            description=said,
                            latitude=village.centroid_lat,
                            longitude=village.centroid_lon,
                            address=f"Kel. {village.name}",
                            attributes=ATTRIBUTES.get(category_code, {}),
                            reporter_name=name,
                        ),
                        by=operator,
                        idempotency_key=f"demo-{hours_ago}",
                    )
                    reported[number] = result.case.tracking_number
            elif call_type == CallTypeChoices.STATUS_QUESTION and number in reported:
                services.link_case(
                    call,
                    Case.objects.get(tracking_number=reported[number]),
                    by=operator,
                    call_type=CallTypeChoices.STATUS_QUESTION,
                    note=said,
                )
        with clock.pinned(end):
            services.end_call(
                call,
                by=operator,
                call_type=call_type,
                transferred_to=EmergencyLineChoices.PSC_119 if call_type == CallTypeChoices.EMERGENCY else "",
                started_at=start,
                ended_at=end,
                notes=said,
            )
        created += 1
    return created


def seed_demo_calls() -> SeedReport:
    return SeedReport([f"Panggilan 1500444 demo: {create_demo_calls()} dibuat"])


def seed_hook_secret() -> SeedReport:
    """The phone system's hook secret of the demo, printed last with the other sign-in details."""
    secret = settings.PATRIOT_CALLCENTRE_HOOK_SECRET
    return SeedReport(closing=[f"Rahasia hook telepon demo: {secret}"] if secret else [])


SEED_STEPS = (
    SeedStep("demo-calls", seed_demo_calls, 230, demo=True, needed=no_cases_yet),
    SeedStep("demo-hook-secret", seed_hook_secret, 240, demo=True),
)
