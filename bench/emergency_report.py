"""PSC 119's interval report over N synthetic incidents (issue 11, item 14: ≤ 300 ms over 100,000).

Run by `bench.run` (`--only emergency_report`) in a child process on a migrated, seeded database. The incidents
are written once with bulk_create (realistic intervals: minutes apart, a few stamps missing, one in ten a call that
was not an emergency) spread over 30 days, and kept while the table holds exactly N. The baseline, in the same run,
is the database reading the same period's rows' ids (`values_list("id")`): the cost of touching every row at all.

    python -m bench.emergency_report --out FILE [--incidents 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import django_setup, log, median, percentile, write_json

BATCH = 5_000


def ensure_incidents(n: int) -> dict[str, Any]:
    from django.utils import timezone

    from patriot.accounts.choices import RoleChoices, UnitKindChoices
    from patriot.accounts.models import OrganisationUnit, User
    from patriot.emergency.choices import (
        AmbulanceTypeChoices,
        ComplaintChoices,
        IncidentStateChoices,
        TriageLevelChoices,
    )
    from patriot.emergency.models import Ambulance, Incident
    from patriot.geo.models import Village

    if Incident.objects.count() == n:
        return {"generated": False, "incidents": n}
    started = time.perf_counter()
    Incident.objects.all().delete()
    user, _created = User.objects.get_or_create(username="bench-psc", defaults={"role": RoleChoices.PSC_CALL_TAKER})
    station, _created = OrganisationUnit.objects.get_or_create(
        kind=UnitKindChoices.AMBULANCE_STATION, code="bench-station", defaults={"name": "Bench station"}
    )
    ambulances = []
    for number in range(20):
        unit, _created = OrganisationUnit.objects.get_or_create(
            kind=UnitKindChoices.AMBULANCE_UNIT,
            code=f"bench-amb-{number}",
            defaults={"name": f"Bench ambulance {number:02d}", "parent": station},
        )
        ambulance, _created = Ambulance.objects.get_or_create(
            unit=unit, defaults={"ambulance_type": AmbulanceTypeChoices.EMERGENCY}
        )
        ambulances.append(ambulance)
    villages = list(Village.objects.values_list("id", "district_id"))
    complaints = ComplaintChoices.values()
    levels = [TriageLevelChoices.P1, TriageLevelChoices.P2, TriageLevelChoices.P3]
    rng = random.Random(119)
    now = timezone.now()
    batch: list[Incident] = []
    for index in range(n):
        received = now - timedelta(days=30) * rng.random()
        village, district = rng.choice(villages)
        common: dict[str, Any] = {
            "call_taker": user,
            "village_id": village,
            "district_id": district,
            "complaint": rng.choice(complaints),
            "proposed_level": rng.choice(levels),
            "call_received_at": received,
            "call_answered_at": received + timedelta(seconds=rng.uniform(2, 20)),
            "created_at": received + timedelta(seconds=rng.uniform(40, 120)),
        }
        if index % 10 == 0:
            batch.append(Incident(state=IncidentStateChoices.NON_EMERGENCY, closure_reason="prank", **common))
        else:
            at = common["created_at"]
            stamps = {}
            for field, low, high in (
                ("dispatched_at", 20, 180),
                ("en_route_at", 30, 150),
                ("on_scene_at", 240, 1500),
                ("left_scene_at", 300, 1200),
                ("at_hospital_at", 300, 1500),
                ("handover_at", 120, 900),
                ("back_in_service_at", 300, 1800),
            ):
                if rng.random() < 0.03:  # a stamp the crew never sent
                    break
                at = at + timedelta(seconds=rng.uniform(low, high))
                stamps[field] = at
            batch.append(
                Incident(
                    state=IncidentStateChoices.CLOSED,
                    first_ambulance=rng.choice(ambulances),
                    **stamps,
                    **common,
                )
            )
        if len(batch) == BATCH:
            Incident.objects.bulk_create(batch)
            batch = []
    Incident.objects.bulk_create(batch)
    return {"generated": True, "incidents": n, "seconds": round(time.perf_counter() - started, 1)}


def measure(runs: int) -> dict[str, Any]:
    from django.utils import timezone

    from patriot.emergency import intervals
    from patriot.emergency.models import Incident

    end = timezone.now() + timedelta(days=1)
    start = end - timedelta(days=40)
    intervals.report(start, end)  # warm caches and connections
    report_ms, baseline_ms = [], []
    for _run in range(runs):
        t = time.perf_counter()
        len(list(Incident.objects.filter(call_received_at__gte=start, call_received_at__lt=end).values_list("id")))
        baseline_ms.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        report = intervals.report(start, end)
        report_ms.append((time.perf_counter() - t) * 1000)
    return {
        "incidents_in_period": report.overall.incidents
        + sum(count for value, _label, count in report.by_outcome if value.startswith("non_emergency:")),
        "report_ms": median(report_ms),
        "report_p95_ms": percentile(report_ms, 95),
        "baseline_ids_ms": median(baseline_ms),
        "ratio_to_baseline": median(report_ms) / median(baseline_ms),
        "meets_aim": bool(median(report_ms) <= 300),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--incidents", type=int, default=None, help="default 100,000; quick 10,000")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    args.incidents = args.incidents or (10_000 if args.quick else 100_000)
    django_setup()
    from django.db import connection

    data: dict[str, Any] = {"vendor": connection.vendor, "dataset": ensure_incidents(args.incidents)}
    log(f"interval report × {args.runs} over {args.incidents:,} incidents")
    data.update(measure(args.runs))
    log(f"report {data['report_ms']:.1f} ms (ids alone {data['baseline_ids_ms']:.1f} ms)")
    data["summary"] = {
        "title": f"PSC 119 INTERVAL REPORT (aim: ≤ 300 ms median over {args.incidents:,} incidents)",
        "rows": [
            ["baseline: the period's ids, ms", f"{data['baseline_ids_ms']:.1f}"],
            ["report() median / p95, ms", f"{data['report_ms']:.1f} / {data['report_p95_ms']:.1f}"],
            ["ratio to baseline", f"{data['ratio_to_baseline']:.2f}×"],
            ["meets aim", "yes" if data["meets_aim"] else "NO"],
        ],
    }
    write_json(args.out, data)


if __name__ == "__main__":
    main()
