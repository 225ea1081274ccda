"""Sirine bed board benchmark (issue 12: "bed board for all hospitals: ≤ 50 ms server time").

Runs in a child process (PATRIOT_DATABASE_URL points at a migrated database seeded with the reference data, which
holds the city's 51 hospitals); this module adds the demo beds (every hospital's bed types, 30 days of history)
when the database has none. Each URL is fetched through Django's test client (the whole middleware stack, view,
queries and template; no network; the board's HTML cache warm, and cleared before each fetch for the "after a
change" line) by an anonymous visitor, `--runs` times after 3 warm-ups, round-robin with the
baseline GET /masuk/ (the sign-in page: the same stack and base template, no data) so a busy machine slows both
alike. Medians and p95.

    python -m bench.referral_beds --out FILE [--runs 30]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.common import django_setup, log, median, percentile, time_call, write_json

AIM_MS = 50.0
BASELINE = "baseline: GET /masuk/ (plain page)"
URLS = {
    "bed board, all hospitals": "/tempat-tidur/",
    # Cold each round: the "after a change" line clears the cache before it in the round-robin.
    "bed board, ICU only (cold)": "/tempat-tidur/?jenis=icu",
    "bed board API (JSON)": "/api/v1/referrals/beds",
}


def ensure_beds() -> dict[str, int]:
    from patriot.referrals import demo
    from patriot.referrals.models import BedChange, BedCount

    if demo.needed():
        log("writing the demo beds (30 days of history)")
        demo.seed_demo_beds()
    return {
        "hospitals": BedCount.objects.values("facility").distinct().count(),
        "bed_rows": BedCount.objects.count(),
        "bed_changes": BedChange.objects.count(),
    }


def measure(runs: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from patriot.referrals import queries

    # The test client's host, let through without setup_test_environment(), whose template instrumentation (a
    # context copy per template rendered) is no part of a real server's time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()

    def fetch(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        response.content  # noqa: B018  (render fully)

    calls = {BASELINE: lambda: fetch("/masuk/")}
    calls.update({name: (lambda url=url: fetch(url)) for name, url in URLS.items()})
    # Right after a hospital's change the board's cached HTML is gone: the page is built afresh.
    calls["bed board, all hospitals, after a change"] = lambda: (cache.clear(), fetch(URLS["bed board, all hospitals"]))
    calls["board query alone (queries.board_hospitals)"] = queries.board_hospitals
    for _ in range(3):
        for call in calls.values():
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            timings[name].append(time_call(call) * 1000)
    baseline = median(timings[BASELINE])
    results = {
        name: {
            "median_ms": median(values),
            "p95_ms": percentile(values, 95),
            "ratio_to_baseline": median(values) / baseline if baseline else None,
            "url": URLS.get(name),
        }
        for name, values in timings.items()
    }
    board = max(
        results[name]["median_ms"] for name in ("bed board, all hospitals", "bed board, all hospitals, after a change")
    )
    return {"runs": runs, "aim_ms": AIM_MS, "meets_aim": board <= AIM_MS, "results": results, "timings_ms": timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    django_setup()
    from django.db import connection

    started = time.perf_counter()
    data: dict[str, Any] = {"vendor": connection.vendor, "dataset": ensure_beds()}
    log(f"measuring the bed board × {args.runs} on {data['dataset']}")
    data.update(measure(args.runs))
    data["seconds"] = time.perf_counter() - started
    for name, row in data["results"].items():
        log(
            f"{name:44} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  ×{row['ratio_to_baseline']:.1f}"
        )
    write_json(args.out, data)


if __name__ == "__main__":
    main()
