"""Si Tik Tik's thresholds (reference data) and demo history (`patriot seed --demo`): a year of weekly house
inspections over every kelurahan with the rainy-season rise (November–April), a few RWs hot this week, dengue
cases, and the threshold check run once so those RWs have their one case each. Written with bulk_create (no
outbox events, so no live message and no notification); the cases go through cases.services like real ones."""

from __future__ import annotations

import math
import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.models import Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Period
from patriot.larvae.models import DengueCase, Inspection
from patriot.larvae.services.thresholds import check_thresholds, seed_default_thresholds

WEEKS = 52
RWS_PER_VILLAGE = 3
HOUSES_PER_RW = 12
# This week, an RW that is not one of the hot ones keeps its House Index at or under 10 % (1 house in 12), so the
# demo's threshold cases are the few hot RWs', not noise.
QUIET_POSITIVES = 1
HOT_RWS = 4
SEED = 1313


def seed_thresholds() -> SeedReport:
    return SeedReport([f"Ambang batas jentik: {seed_default_thresholds()} baru"])


def rainy_season(moment: datetime) -> float:
    """0 in the dry season (July–September), up to 1 in the wet peak (January–February)."""
    day = moment.timetuple().tm_yday
    # Peak around 1 February (day 32), trough around 1 August.
    return max(0.0, math.cos((day - 32) / 365.25 * 2 * math.pi)) ** 1.5


def _jumantik(village: Village) -> User:
    username = f"jumantik-{village.code.replace('.', '')}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username,
            role=RoleChoices.JUMANTIK,
            first_name="Jumantik",
            last_name=village.name,
            password=make_password(None),
        )
    return user


def create_demo_inspections(*, weeks: int = WEEKS, seed: int = SEED) -> tuple[int, int]:
    """Weekly house inspections for the past `weeks` weeks (this one included) in RWS_PER_VILLAGE RWs of every
    kelurahan; returns (inspections, alerts raised)."""
    rng = random.Random(seed)
    now = clock.now()
    today = timezone.localdate(now)  # the city's date
    # The demo's latest week: on a Monday, whose rounds have barely begun, that is last week.
    this_week = Period.week_of(now - timedelta(days=1))
    villages = list(Village.objects.order_by("code"))
    if not villages:
        return 0, 0
    hot = set(rng.sample([(v.pk, rw) for v in villages for rw in range(1, RWS_PER_VILLAGE + 1)], HOT_RWS))
    batch: list[tuple[Any, ...]] = []
    with transaction.atomic():
        for village in villages:
            jumantik = _jumantik(village)
            # Each RW's own liking for larvae: most are clean, a few never quite are.
            for rw in range(1, RWS_PER_VILLAGE + 1):
                base = rng.uniform(0.01, 0.05)
                for back in range(weeks - 1, -1, -1):
                    monday = this_week.start - timedelta(weeks=back)
                    season = rainy_season(monday)
                    rate = base + 0.10 * season
                    is_hot = (village.pk, rw) in hot
                    if back == 0 and is_hot:
                        rate = 0.35
                    positives = 0
                    for house in range(HOUSES_PER_RW):
                        inspected_at = monday + timedelta(
                            days=rng.randrange(6), hours=8 + rng.randrange(8), minutes=rng.randrange(60)
                        )
                        if inspected_at > now:
                            continue
                        positive = rng.random() < rate
                        if back == 0 and not is_hot and positives >= QUIET_POSITIVES:
                            positive = False
                        positives += positive
                        containers = rng.randint(2, 8)
                        positive_containers = rng.randint(1, min(3, containers)) if positive else 0
                        received_at = inspected_at + timedelta(minutes=rng.randrange(1, 90))
                        rt = house % 6 + 1
                        batch.append(
                            (
                                jumantik.pk,
                                BuildingKindChoices.HOUSE,
                                f"RT {rt:02d}/RW {rw:02d}, {village.name}",
                                village.centroid_lat + rng.uniform(-0.002, 0.002),
                                village.centroid_lon + rng.uniform(-0.002, 0.002),
                                village.pk,
                                village.district_id,
                                rw,
                                rt,
                                containers,
                                positive_containers,
                                positive,
                                positive and rng.random() < 0.05,
                                inspected_at,
                                received_at,
                            )
                        )
        # In time order (the indices' index leads with inspected_at) and in plain SQL: the ORM's bulk_create spends
        # seconds per 10,000 rows preparing values, which would make `seed --demo` slow.
        batch.sort(key=lambda row: row[13])
        adapt = connection.ops.adapt_datetimefield_value
        rows = [(*row[:13], adapt(row[13]), adapt(row[14]), "", "", "[]", "", "", "") for row in batch]
        columns = (
            "jumantik_id, building_kind, address, latitude, longitude, village_id, district_id, rw, rt, "
            "containers_inspected, containers_positive, is_positive, fever_past_week, inspected_at, received_at, "
            "h3_cell, h3_cell_coarse, actions, photo, idempotency_key, fingerprint"
        )
        marks = ", ".join(["%s"] * 21)
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 10_000):
                cursor.executemany(
                    f"INSERT INTO {Inspection._meta.db_table} ({columns}) VALUES ({marks})",  # noqa: S608
                    rows[start : start + 10_000],
                )
        total = len(rows)
        # Dengue cases: more in the rainy season; two this week in one of the hot RWs' kelurahan.
        cases = []
        for back in range(1, weeks):
            day = (this_week.start - timedelta(weeks=back)).date()
            for _n in range(
                rng.choices(
                    [0, 1, 2, 3], weights=[5, 3, 1, 1 + 4 * rainy_season(this_week.start - timedelta(weeks=back))]
                )[0]
            ):
                village = rng.choice(villages)
                cases.append(
                    DengueCase(
                        village=village,
                        district_id=village.district_id,
                        rw=rng.randint(1, RWS_PER_VILLAGE),
                        onset_date=day + timedelta(days=rng.randrange(5)),
                        count=1,
                        source="demo",
                        recorded_at=now,
                    )
                )
        hot_village, hot_rw = sorted(hot)[0]
        village = next(v for v in villages if v.pk == hot_village)
        cases.append(
            DengueCase(
                village=village,
                district_id=village.district_id,
                rw=hot_rw,
                onset_date=min(today, this_week.last_day),
                count=2,
                source="demo",
                recorded_at=now,
            )
        )
        DengueCase.objects.bulk_create([c for c in cases if c.onset_date <= today])
    alerts = check_thresholds(this_week)
    return total, len(alerts)


def no_inspections_yet() -> bool:
    return not Inspection.objects.exists()


def seed_demo_inspections() -> SeedReport:
    started = time.perf_counter()
    inspections, alerts = create_demo_inspections()
    took = time.perf_counter() - started
    return SeedReport(
        [f"Si Tik Tik: {inspections} pemeriksaan jentik setahun, {alerts} laporan ambang batas ({took:.1f} dtk)"]
    )


SEED_STEPS = (
    SeedStep("larvae-thresholds", seed_thresholds, 45),
    SeedStep("demo-larvae", seed_demo_inspections, 230, demo=True, needed=no_inspections_yet),
)
