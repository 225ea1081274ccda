"""POC dashboard benchmark: server time of the dashboard page and each of its partials on the 1M-case database.

Runs in a child process like bench/overview.py (PATRIOT_DATABASE_URL points at a migrated, seeded database that
bench.overview filled with its synthetic cases; this module fills it the same way when it is not). Each URL is
fetched through Django's test client (the whole middleware stack, view, queries and template; no network) by a
signed-in POC supervisor, `--runs` times after 3 warm-ups, round-robin with the baseline
`patriot.cases.queries.overview()` (the existing POC overview query) so a busy machine slows both alike.

    python -m bench.dashboard --out FILE [--cases 1000000] [--runs 15]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from bench.common import django_setup, log, median, percentile, time_call, write_json

AIM_MS = 150.0
URLS = {
    "dashboard page": "/poc/dasbor/",
    "counters partial": "/poc/dasbor/angka/",
    "agency table partial": "/poc/dasbor/opd/",
    "feed partial": "/poc/dasbor/arus/",
    "charts (JSON)": "/poc/dasbor/grafik.json",
    "map (JSON)": "/poc/dasbor/peta.json",
    "mayor's workspace": "/walikota/",
    "weekly summary": "/poc/ringkasan/",
}
# The same page narrowed by a filter (one category), which leaves the default indexes' fast path.
FILTERED = {"dashboard page, one category": "/poc/dasbor/?category={category}"}


def _client() -> Any:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User

    setup_test_environment()  # lets the test client's "testserver" host through ALLOWED_HOSTS
    user, _created = User.objects.get_or_create(
        username="bench-poc-supervisor", defaults={"role": RoleChoices.POC_SUPERVISOR}
    )
    client = Client()
    client.force_login(user)
    return client


def measure(runs: int) -> dict[str, Any]:
    from patriot.cases import queries
    from patriot.cases.models import Category

    client = _client()
    category = Category.objects.order_by("code").values_list("code", flat=True).first()
    urls = {**URLS, **{name: url.format(category=category) for name, url in FILTERED.items()}}

    def fetch(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        if not getattr(response, "streaming", False):
            response.content  # noqa: B018  (render fully)

    for _ in range(3):
        queries.overview()
        for url in urls.values():
            fetch(url)
    timings: dict[str, list[float]] = {name: [] for name in urls}
    timings["baseline: cases.queries.overview()"] = []
    for _ in range(runs):
        timings["baseline: cases.queries.overview()"].append(time_call(queries.overview) * 1000)
        for name, url in urls.items():
            timings[name].append(time_call(lambda url=url: fetch(url)) * 1000)
    baseline = median(timings["baseline: cases.queries.overview()"])
    results = {}
    for name, values in timings.items():
        results[name] = {
            "median_ms": median(values),
            "p95_ms": percentile(values, 95),
            "ratio_to_baseline": median(values) / baseline if baseline else None,
            "url": urls.get(name),
        }
    return {"runs": runs, "aim_ms": AIM_MS, "results": results, "timings_ms": timings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    django_setup()
    from django.db import connection

    from bench.overview import dataset_stats, ensure_dataset

    started = time.perf_counter()
    data: dict[str, Any] = {"vendor": connection.vendor, "dataset": ensure_dataset(args.cases)}
    data["dataset"]["stats"] = dataset_stats()
    log(f"measuring the dashboard × {args.runs}")
    data.update(measure(args.runs))
    data["seconds"] = time.perf_counter() - started
    for name, row in data["results"].items():
        log(f"{name:40} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms")
    write_json(args.out, data)


if __name__ == "__main__":
    main()
