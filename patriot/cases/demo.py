"""Demo history: realistic cases in every state, written through the services as if over the past weeks
(`patriot seed --demo`, on a database without cases)."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from typing import Any

from PIL import Image, ImageDraw

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import ResponseTeam, User
from patriot.cases import services
from patriot.cases.choices import ChannelChoices, RejectionReasonChoices
from patriot.cases.models import Case, Category
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.lookup import LocationError, locate
from patriot.geo.models import Village

STREETS = [
    "Jl. Ahmad Yani",
    "Jl. Ir. H. Juanda",
    "Jl. Cut Meutia",
    "Jl. Pramuka",
    "Jl. Sultan Agung",
    "Jl. Chairil Anwar",
    "Jl. Siliwangi",
    "Jl. Kalimalang",
    "Jl. Pekayon Raya",
    "Jl. Jatiwaringin Raya",
    "Jl. Raya Narogong",
    "Jl. Kartini",
    "Jl. Agus Salim",
    "Jl. Mustikasari",
    "Jl. Raya Hankam",
    "Jl. Kemakmuran",
    "Jl. Perjuangan",
    "Jl. Pulo Ribung",
    "Jl. Raya Jatiasih",
    "Jl. Raya Kodau",
    "Jl. Boulevard Hijau",
    "Jl. Dewi Sartika",
]
NAMES = [
    "Siti Rahmawati",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Setiawan",
    "Rina Marlina",
    "Hendra Gunawan",
    "Nur Aisyah",
    "Joko Prasetyo",
    "Fitri Handayani",
    "Andi Wijaya",
    "Maya Sari",
    "Rudi Hartono",
    "Yuliana Putri",
    "Dedi Kurniawan",
    "Intan Permata",
    "Bambang Sutrisno",
]
# Indonesian mobile prefixes (Telkomsel, Indosat, XL): demo reporters need valid numbers (patriot.core.phones).
MOBILE_PREFIXES = ["0811", "0812", "0813", "0821", "0822", "0852", "0856", "0857", "0817", "0818", "0819", "0877"]
OPENINGS = [
    "Mohon segera ditindaklanjuti: {what} di {street}, {village}.",
    "Sudah beberapa hari {what} di dekat {street} ({village}) dan belum ada penanganan.",
    "Warga RT 03/RW 07 {village} melaporkan {what} di {street}.",
    "Saya lewat {street} pagi ini, {what}. Lokasi di {village}.",
]
CLOSINGS = [
    "Terima kasih.",
    "Mohon dicek petugas.",
    "Sangat mengganggu warga sekitar.",
    "Dikhawatirkan membahayakan pengguna jalan.",
]
# (final state, share of demo cases, age range in days): older reports have got further, as in real life.
STATE_MIX = [
    ("submitted", 18, (0.02, 4)),
    ("verified", 8, (0.2, 4)),
    ("dispatched", 14, (0.5, 8)),
    ("assigned", 10, (1, 8)),
    ("in_progress", 12, (1, 9)),
    ("resolved", 12, (2, 12)),
    ("closed", 18, (4, 21)),
    ("rejected", 5, (0.2, 21)),
    ("duplicate", 3, (0.2, 21)),
]


def _photo(label: str, colour: tuple[int, int, int], *, repaired: bool = True) -> tuple[str, io.BytesIO]:
    """A small drawn street scene: a road with a pothole (what a citizen sends) or with the patch over it (a URC's
    proof). Drawn in code, so the demo ships no image files."""
    image = Image.new("RGB", (640, 480), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 260, 640, 480), fill=(88, 88, 92))  # the road
    for x in range(20, 640, 120):
        draw.rectangle((x, 365, x + 60, 375), fill=(235, 235, 235))  # lane markings
    if repaired:
        draw.rectangle((230, 385, 430, 450), fill=(40, 40, 44))  # fresh asphalt patch
    else:
        draw.ellipse((230, 385, 430, 455), fill=(58, 42, 30))  # the hole
        draw.ellipse((265, 400, 395, 440), fill=(95, 110, 125))  # water in it
    draw.text((24, 24), label, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    buffer.seek(0)
    return f"{label}.jpg", buffer


def _attribute_values(category: Category, rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for attribute in category.attributes:
        if not attribute.get("required") and rng.random() < 0.5:
            continue
        datatype = attribute.get("datatype")
        if datatype == "number":
            values[attribute["code"]] = rng.randint(1, 40)
        elif datatype == "singlevaluelist":
            values[attribute["code"]] = rng.choice(attribute["values"])["key"]
        elif datatype == "multivaluelist":
            values[attribute["code"]] = [rng.choice(attribute["values"])["key"]]
        elif datatype == "datetime":
            values[attribute["code"]] = clock.now().replace(microsecond=0).isoformat()
        else:
            values[attribute["code"]] = "-"
    return values


def _place(village: Village, rng: random.Random) -> tuple[float, float]:
    for _attempt in range(10):
        lat = village.centroid_lat + rng.uniform(-0.004, 0.004)
        lon = village.centroid_lon + rng.uniform(-0.004, 0.004)
        try:
            if locate(lat, lon).village_id == village.pk:
                return lat, lon
        except LocationError:
            continue
    return village.centroid_lat, village.centroid_lon


def _staff(role: str, **filters: Any) -> User | None:
    return User.objects.filter(role=role, is_active=True, **filters).order_by("pk").first()


def create_demo_cases(count: int = 160, *, seed: int = 2611) -> int:
    """Create `count` cases spread over the last three weeks, each walked to a realistic state.

    Every step goes through the services with the clock pinned to that step's time, so timelines,
    SLA clocks and outbox events are exactly what real use would have produced.
    """
    rng = random.Random(seed)
    poc = _staff(RoleChoices.POC_OPERATOR)
    if poc is None:
        return 0
    categories = list(Category.objects.filter(is_active=True).select_related("default_agency"))
    villages = list(Village.objects.all())
    states = [(state, ages) for state, weight, ages in STATE_MIX for _ in range(weight)]
    now = clock.now()
    made = 0
    for _ in range(count):
        category = rng.choice(categories)
        village = rng.choice(villages)
        lat, lon = _place(village, rng)
        street = rng.choice(STREETS)
        what = category.name.lower()
        description = (
            f"{rng.choice(OPENINGS).format(what=what, street=street, village=village.name)} {rng.choice(CLOSINGS)}"
        )
        target, (youngest, oldest) = rng.choice(states)
        created_at = now - timedelta(days=rng.uniform(youngest, oldest))
        anonymous = rng.random() < 0.2
        channel = rng.choice([ChannelChoices.POT, ChannelChoices.POT, ChannelChoices.PHONE, ChannelChoices.SOROT])
        submission = services.CaseSubmission(
            channel=channel,
            category=category,
            description=description,
            latitude=lat,
            longitude=lon,
            # Most people file without a title (the case is then headed by its category, in the reader's language).
            title=f"{category.name} di {street}" if made % 4 == 0 else "",
            address=f"{street}, {village.name}",
            attributes=_attribute_values(category, rng),
            reporter_name="" if rng.random() < 0.1 else rng.choice(NAMES),
            reporter_phone=f"{MOBILE_PREFIXES[rng.randint(11, 99) % len(MOBILE_PREFIXES)]}"
            f"{rng.randint(10_000_000, 99_999_999)}",
            is_anonymous=anonymous,
            is_confidential=rng.random() < 0.05,
        )
        # Every third report comes with the citizen's photo (the "before" on the public case page).
        photos = [_photo(f"foto-warga-{made}", (120, 150, 170), repaired=False)] if made % 3 == 0 else []
        try:
            with clock.pinned(created_at):
                case = services.create_case(submission, photos=photos).case
            _walk(case, target, created_at, now, rng, poc)
        except DomainError:
            continue
        made += 1
    if create_before_after_case(now, poc) is not None:
        made += 1
    services.sweep_sla(now)
    return made


def create_before_after_case(now: datetime, poc: User) -> Case | None:
    """One closed public pothole report, filed without a title, with the citizen's photo and the URC's proof photo:
    the public case page shows both ("before" and "after")."""
    category = Category.objects.filter(code="jalan-berlubang", is_active=True).first()
    village = Village.objects.order_by("pk").first()
    if category is None or village is None:
        return None
    start = now - timedelta(days=6)
    submission = services.CaseSubmission(
        channel=ChannelChoices.POT,
        category=category,
        description=(
            f"Lubang besar di Jl. Ahmad Yani dekat halte, {village.name}. Sudah dua motor jatuh, "
            "kalau hujan tidak kelihatan karena tergenang."
        ),
        latitude=village.centroid_lat,
        longitude=village.centroid_lon,
        address=f"Jl. Ahmad Yani, {village.name}",
        attributes={"kedalaman": "dalam"},
        reporter_name="Siti Rahmawati",
        reporter_email="siti.demo@example.id",
    )
    try:
        with clock.pinned(start):
            case = services.create_case(
                submission, photos=[_photo("foto-warga-jalan-berlubang", (120, 150, 170), repaired=False)]
            ).case
        with clock.pinned(start + timedelta(hours=2)):
            services.verify_case(case, by=poc)
        with clock.pinned(start + timedelta(hours=3)):
            services.dispatch_case(case, by=poc)
        team = ResponseTeam.objects.filter(agency=case.agency, is_active=True).order_by("pk").first()
        if team is None:
            return case
        agency_admin = _staff(RoleChoices.AGENCY_ADMIN, agency_id=case.agency_id) or poc
        with clock.pinned(start + timedelta(hours=20)):
            services.assign_case(case, by=agency_admin, team=team)
        officer = _staff(RoleChoices.URC_OFFICER, team=team) or agency_admin
        with clock.pinned(start + timedelta(days=1)):
            services.start_case(case, by=officer, note="Tim menuju lokasi.")
        with clock.pinned(start + timedelta(days=1, hours=5)):
            services.resolve_case(
                case,
                by=officer,
                note="Lubang sudah ditambal aspal panas, permukaan rata kembali.",
                proof_photos=[_photo("bukti-tambal-jalan", (120, 150, 170))],
            )
        with clock.pinned(start + timedelta(days=2)):
            services.confirm_case(case, note="Terima kasih, sudah rata.")
    except DomainError:
        return None
    return case


def _walk(case: Case, target: str, start: datetime, now: datetime, rng: random.Random, poc: User) -> None:
    """Advance `case` towards `target`, each step a few hours after the last, never past `now`."""
    moment = start

    def step(low: float, high: float) -> bool:
        nonlocal moment
        moment = moment + timedelta(hours=rng.uniform(low, high))
        return moment < now

    if target == "submitted":
        return
    if target == "rejected":
        if step(1, 30):
            with clock.pinned(moment):
                services.reject_case(case, by=poc, reason=rng.choice(RejectionReasonChoices.values()), note="Demo.")
        return
    if target == "duplicate":
        older = (
            Case.objects.filter(category=case.category, created_at__lt=case.created_at)
            .exclude(state__in=["rejected", "duplicate"])
            .first()
        )
        if older is not None and step(1, 10):
            with clock.pinned(moment):
                services.merge_case(case, into=older, by=poc, note="Laporan yang sama sudah masuk.")
        return
    if not step(0.5, 20):
        return
    with clock.pinned(moment):
        services.verify_case(case, by=poc)
    if target == "verified" or not step(0.2, 8):
        return
    with clock.pinned(moment):
        services.dispatch_case(case, by=poc)
    team = ResponseTeam.objects.filter(agency=case.agency, is_active=True).order_by("pk").first()
    if target == "dispatched" or team is None or not step(1, 24):
        return
    agency_admin = _staff(RoleChoices.AGENCY_ADMIN, agency_id=case.agency_id) or poc
    with clock.pinned(moment):
        services.assign_case(case, by=agency_admin, team=team)
    if target == "assigned" or not step(1, 24):
        return
    officer = _staff(RoleChoices.URC_OFFICER, team=team) or agency_admin
    with clock.pinned(moment):
        services.start_case(case, by=officer, note="Tim menuju lokasi.")
    if target == "in_progress" or not step(3, 60):
        return
    with clock.pinned(moment):
        services.resolve_case(
            case,
            by=officer,
            note="Sudah ditangani tim URC.",
            proof_photos=[_photo(f"bukti-{case.tracking_number}", (40, 120, 60))],
        )
    if target == "resolved" or not step(4, 72):
        return
    with clock.pinned(moment):
        services.confirm_case(case, note="Terima kasih, sudah beres.")


def no_cases_yet() -> bool:
    """Demo history goes only into a database without cases (each app's demo history asks this)."""
    return not Case.objects.exists()


def seed_demo_cases() -> SeedReport:
    return SeedReport([f"Laporan demo: {create_demo_cases()} dibuat"])


SEED_STEP = SeedStep("demo-cases", seed_demo_cases, 200, demo=True, needed=no_cases_yet)
