"""Demo SOROT citizen: the demo account `warga` with a verified profile and a few reports at different stages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases import services as case_services
from patriot.cases.choices import ChannelChoices
from patriot.cases.demo import no_cases_yet
from patriot.cases.models import Case, Category
from patriot.citizens.models import CitizenProfile, RelayCursor
from patriot.citizens.notify import RELAY_NAME
from patriot.core import clock
from patriot.core.phones import normalise_phone
from patriot.core.registry import SeedReport, SeedStep
from patriot.events.models import OutboxEvent
from patriot.geo.models import Village

DEMO_USERNAME = "warga@demo.patriot.invalid"  # citizens sign in with their email
DEMO_EMAIL = "warga@demo.patriot.invalid"
# (category code, its custom attributes, days ago, how far along the workflow it gets, description)
DEMO_REPORTS: list[tuple[str, dict[str, Any], float, str, str]] = [
    (
        "tutup-saluran-hilang",
        {},
        9,
        "in_progress",
        "Tutup saluran di depan gang RT 04 hilang, sudah dua motor terperosok minggu ini.",
    ),
    (
        "sampah-tidak-diangkut",
        {"volume": "besar"},
        3,
        "dispatched",
        "Sampah menumpuk di pinggir jalan sejak Senin dan mulai berbau.",
    ),
    (
        "pju-mati",
        {"jumlah_titik": 3},
        0.2,
        "submitted",
        "Tiga lampu jalan mati berturut-turut, jalan gelap total malam hari.",
    ),
]


def create_demo_citizens() -> int:
    """Give the demo citizen a verified profile (email and phone) and, once, a few SOROT reports.

    Needs the demo accounts, areas, agencies and categories; returns the number of reports created.
    """
    user = User.objects.filter(username=DEMO_USERNAME, role=RoleChoices.CITIZEN).first()
    if user is None:
        return 0
    now = clock.now()
    with transaction.atomic():
        user.phone = normalise_phone(user.phone or "081234500001", mobile_only=True)
        user.email = user.email or DEMO_EMAIL
        user.save(update_fields=["phone", "email"])
        CitizenProfile.objects.update_or_create(
            user=user,
            defaults={"email_verified_at": now, "phone_verified_at": now, "created_at": now - timedelta(days=30)},
        )
    if Case.objects.filter(reporter=user).exists():
        return 0
    poc = User.objects.filter(role=RoleChoices.POC_OPERATOR).first()
    villages = list(Village.objects.order_by("code")[:10])
    created = 0
    for index, (code, attributes, days_ago, target, description) in enumerate(DEMO_REPORTS):
        category = Category.objects.filter(code=code, is_active=True).first()
        if category is None or not villages:
            continue  # a city without this category gets the other reports
        village = villages[(index * 3) % len(villages)]
        start = now - timedelta(days=days_ago)
        with clock.pinned(start):
            case = case_services.create_case(
                case_services.CaseSubmission(
                    channel=ChannelChoices.SOROT,
                    category=category,
                    description=description,
                    attributes=attributes,
                    latitude=village.centroid_lat,
                    longitude=village.centroid_lon,
                    address=f"Kel. {village.name}",
                    reporter=user,
                    reporter_name=user.get_full_name(),
                    reporter_phone=user.phone,
                    reporter_email=user.email,
                ),
                by=user,
            ).case
        created += 1
        if poc is None or target == "submitted":
            continue
        with clock.pinned(start + timedelta(hours=2)):
            case_services.verify_case(case, by=poc)
        with clock.pinned(start + timedelta(hours=3)):
            case_services.dispatch_case(case, by=poc)
        if target == "in_progress" and case.agency is not None:
            officer = User.objects.filter(role=RoleChoices.AGENCY_OFFICER, agency=case.agency).first()
            team = case.agency.teams.filter(is_active=True).first()
            if officer is not None and team is not None:
                with clock.pinned(start + timedelta(days=1)):
                    case_services.assign_case(case, by=officer, team=team)
                with clock.pinned(start + timedelta(days=2)):
                    case_services.start_case(case, by=officer)
    return created


def seed_demo_citizens() -> SeedReport:
    return SeedReport([f"Laporan SOROT warga demo: {create_demo_citizens()} dibuat"])


def start_notifications_after_the_demo() -> SeedReport:
    """The demo history is history: the relay starts after its last event, so seeding sends no email or SMS."""
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    RelayCursor.objects.update_or_create(name=RELAY_NAME, defaults={"last_event_id": last})
    return SeedReport([f"Notifikasi warga dimulai setelah riwayat demo (peristiwa {last})"])


SEED_STEP = SeedStep("demo-citizens", seed_demo_citizens, 210, demo=True, needed=no_cases_yet)
# After every app's demo history (200–280).
QUIET_STEP = SeedStep(
    "demo-notifications-quiet", start_notifications_after_the_demo, 290, demo=True, needed=no_cases_yet
)
