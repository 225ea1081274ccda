"""The public map and the staff search at city scale (child process, like bench/dashboard.py).

PATRIOT_DATABASE_URL points at a migrated, seeded database holding the overview's synthetic cases (bench/overview.py
fills it the same way when it does not). Every URL goes through Django's test client (middleware, view, queries,
template or JSON; no network), `--runs` times after 3 warm-ups, round-robin with the baseline `GET /healthz` (the
same request path with no database work) so a busy machine slows both alike. For each: median, p95, the ratio of
the median to the baseline's, and the response's size in bytes.

- Public map, anonymous: `/api/v1/public/cases.geojson` for the whole city (no box; the city's extent as the page at
  zoom 12 asks it), a ~5 km box and a ~1 km box round the busiest kelurahan's centre (the synthetic cases cluster
  within ~170 m of each kelurahan's centre, so that box holds a whole kelurahan's cases, ~1/56 of all), the 1 km box
  narrowed by a category and by the last 30 days, and the `/peta/` page with its list.
- Staff search, as a POC supervisor: `/poc/cari/` with no filter and with each filter the form offers, one at a time.
- CSV export: `/poc/cari/csv/` of the newest 100,000 cases (`created_from`), consumed chunk by chunk as a server
  writes it: rows, seconds, and the peak memory — Python's allocations (tracemalloc peak, a second pass) and the
  process's resident set (VmRSS sampled every 1,000 chunks, peak minus the start; it includes the database driver's
  C buffers, which tracemalloc does not see).

    python -m bench.scale --out FILE [--cases 1000000] [--runs 20] [--export-rows 100000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import GcClock, django_setup, load_average, log, median, percentile, time_call, write_json

MAP_AIM_MS = 50.0  # p95
SEARCH_AIM_MS = 100.0  # p95
BASELINE = "baseline: GET /healthz"
# The city's extent as the public map's page shows it at zoom 12.
CITY_BOX = (106.88, -6.42, 107.08, -6.14)


def _box(latitude: float, longitude: float, half_degrees: float) -> str:
    return f"{longitude - half_degrees},{latitude - half_degrees},{longitude + half_degrees},{latitude + half_degrees}"


def map_urls() -> dict[str, str]:
    from django.db.models import Count

    from patriot.cases.models import Case
    from patriot.geo.models import Village

    busiest = (
        Case.objects.values_list("village_id")
        .annotate(n=Count("*"))
        .order_by("-n")
        .values_list("village_id", flat=True)
    )
    village = Village.objects.get(pk=busiest[:1].get()) if Case.objects.exists() else Village.objects.first()
    assert village is not None
    category = Case.objects.filter(village=village).values_list("category__code", flat=True)[:1].get()
    since = (Case.objects.latest("created_at").created_at - timedelta(days=30)).date().isoformat()
    lat, lon = village.centroid_lat, village.centroid_lon
    one_km, five_km = _box(lat, lon, 0.0045), _box(lat, lon, 0.0225)
    base = "/api/v1/public/cases.geojson"
    return {
        "map: whole city, no box": base,
        "map: city extent (zoom 12)": f"{base}?bbox={','.join(str(v) for v in CITY_BOX)}",
        "map: ~5 km box (zoom 14)": f"{base}?bbox={five_km}",
        "map: ~1 km box (zoom 16)": f"{base}?bbox={one_km}",
        "map: ~1 km box, one category": f"{base}?bbox={one_km}&category={category}",
        "map: ~1 km box, last 30 days": f"{base}?bbox={one_km}&since={since}",
        "/peta/ page (map + list)": "/peta/",
    }


def search_urls() -> dict[str, str]:
    from patriot.accounts.models import Agency, ResponseTeam
    from patriot.cases.models import Case
    from patriot.geo.models import District, Village

    newest = Case.objects.order_by("-created_at").first()
    assert newest is not None, "no cases"
    some = Case.objects.filter(agency__isnull=False).order_by("-id").select_related("agency", "category").first()
    assert some is not None
    agency = some.agency.code if some.agency else Agency.objects.values_list("code", flat=True).first()
    team = ResponseTeam.objects.values_list("code", flat=True).first()
    district = District.objects.values_list("code", flat=True).order_by("code").first()
    village = Village.objects.values_list("code", flat=True).order_by("code").first()
    today = newest.created_at.date()
    word = some.category.name.split()[0].lower()
    search = "/poc/cari/"
    urls = {
        "search: no filter (newest first)": search,
        "search: state closed (most)": f"{search}?state=closed",
        "search: state resolved (0.5 %)": f"{search}?state=resolved",
        "search: category": f"{search}?category={some.category.code}",
        "search: agency (OPD)": f"{search}?agency={agency}",
        "search: kecamatan": f"{search}?district={district}",
        "search: kelurahan": f"{search}?village={village}",
        "search: channel field (5 %)": f"{search}?channel=field",
        "search: SLA status overdue": f"{search}?sla_status=overdue",
        "search: overdue = true": f"{search}?overdue=true",
        "search: priority high": f"{search}?priority=high",
        "search: hour 03": f"{search}?hour=3",
        "search: reported last 30 days": f"{search}?created_from={(today - timedelta(days=30)).isoformat()}",
        "search: reported in one month 2 years ago": (
            f"{search}?created_from={(today - timedelta(days=730)).isoformat()}"
            f"&created_to={(today - timedelta(days=700)).isoformat()}"
        ),
        "search: text, a common word": f"{search}?text={word}",
        "search: text, a word nowhere": f"{search}?text=zqxwv",
        "search: tracking number (lower case)": f"{search}?number={some.tracking_number.lower()}",
        "search: whole phone number": f"{search}?phone={some.reporter_phone}",
        "search: part of a phone number": f"{search}?phone={some.reporter_phone[-6:]}",
        "search: sort by priority": f"{search}?sort=priority",
        "search: sort by time left": f"{search}?sort=due",
    }
    if team:
        urls["search: URC team"] = f"{search}?team={team}"
    return urls


def _staff_client() -> Any:
    from django.test import Client

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User

    user, _created = User.objects.get_or_create(
        username="bench-poc-supervisor", defaults={"role": RoleChoices.POC_SUPERVISOR}
    )
    client = Client()
    client.force_login(user)
    return client


def measure_pages(runs: int, only: list[str] | None = None) -> dict[str, Any]:
    from django.conf import settings
    from django.test import Client

    # The test client's host, let through without setup_test_environment(), whose template instrumentation (a
    # context copy per template rendered, every form widget's included) is no part of a real server's time.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    public, staff = Client(), _staff_client()
    pages = {name: (public, url) for name, url in map_urls().items()}
    pages.update({name: (staff, url) for name, url in search_urls().items()})
    if only:  # --pages: re-measure some pages alone (a name containing any of the words)
        pages = {name: page for name, page in pages.items() if any(word in name for word in only)}
    sizes: dict[str, int] = {}

    def fetch(name: str) -> None:
        client, url = pages[name]
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        sizes[name] = len(response.content)

    def baseline() -> None:
        public.get("/healthz").content  # noqa: B018

    for _ in range(3):
        baseline()
        for name in pages:
            fetch(name)
    timings: dict[str, list[float]] = {BASELINE: [], **{name: [] for name in pages}}
    gc_ms: dict[str, list[float]] = {name: [] for name in timings}
    load_start = load_average()
    with GcClock() as gc_clock:
        for _ in range(runs):
            for name in timings:
                before = gc_clock.seconds
                timings[name].append(time_call(partial(fetch, name) if name in pages else baseline) * 1000)
                gc_ms[name].append((gc_clock.seconds - before) * 1000)
    base = median(timings[BASELINE])
    results = {}
    for name, values in timings.items():
        aim = MAP_AIM_MS if name.startswith(("map", "/peta")) else SEARCH_AIM_MS
        results[name] = {
            "url": pages[name][1] if name in pages else "/healthz",
            "median_ms": median(values),
            "p95_ms": percentile(values, 95),
            "ratio_to_baseline": median(values) / base if base else None,
            "bytes": sizes.get(name),
            # The slowest round, and how much of it was the interpreter's garbage collection.
            "slowest_ms": max(values),
            "slowest_gc_ms": gc_ms[name][values.index(max(values))],
            "aim_p95_ms": None if name == BASELINE else aim,
            "meets_aim": None if name == BASELINE else percentile(values, 95) <= aim,
        }
    return {
        "runs": runs,
        "results": results,
        "timings_ms": timings,
        "gc_ms": gc_ms,
        "load_average": [load_start, load_average()],
    }


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def measure_export(rows_wanted: int) -> dict[str, Any]:
    """The search CSV of the newest `rows_wanted` cases, read chunk by chunk like a server writing it out."""
    from django.utils import timezone

    from patriot.cases.models import Case

    cut = Case.objects.order_by("-created_at").values_list("created_at", flat=True)[rows_wanted - 1 : rows_wanted]
    start = cut[0] if cut else None
    query = f"?created_from={timezone.localtime(start).date().isoformat()}" if start else ""
    day_start = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0) if start else None
    expected = Case.objects.filter(created_at__gte=day_start).count() if day_start else Case.objects.count()
    client = _staff_client()
    url = f"/poc/cari/csv/{query}"

    def consume(*, sample_rss: bool) -> tuple[int, int, int, int]:
        response = client.get(url)
        assert response.status_code == 200 and response.streaming, (response.status_code, url)
        lines = chunks = size = 0
        rss_start = rss_peak = _rss_kib()
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
            chunks += 1
            if sample_rss and chunks % 1000 == 0:
                rss_peak = max(rss_peak, _rss_kib())
        response.close()
        return lines - 1, size, chunks, max(rss_peak, _rss_kib()) - rss_start

    started = time.perf_counter()
    rows, size, chunks, rss_delta = consume(sample_rss=True)
    seconds = time.perf_counter() - started
    tracemalloc.start()
    base_current, _peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    consume(sample_rss=False)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "url": url,
        "rows": rows,
        "rows_expected": expected,
        "bytes": size,
        "chunks": chunks,
        "seconds": seconds,
        "rows_per_s": rows / seconds if seconds else None,
        "tracemalloc_peak_kib": (peak - base_current) / 1024,
        "rss_delta_kib": rss_delta,
        "bytes_per_row_held": (peak - base_current) / rows if rows else None,
    }


def explain_plans() -> list[dict[str, str]]:
    """EXPLAIN ANALYZE of the SQL behind a few of the pages (PostgreSQL only)."""
    from django.db import connection
    from django.test import Client

    from bench.overview import capture_queries, explain

    if connection.vendor != "postgresql":
        return []
    public, staff = Client(), _staff_client()
    plans = []
    chosen = {**map_urls(), **search_urls()}
    for name, url in chosen.items():
        client = staff if name.startswith("search") else public
        sent = capture_queries(lambda client=client, url=url: client.get(url))
        for sql, params in sent:
            if "cases_case" not in sql and "cases_publicmapcell" not in sql:
                continue
            plan = explain(sql, params)
            timing = next((line for line in plan.splitlines() if "Execution Time" in line), "")
            plans.append({"page": name, "sql": sql[:300], "execution": timing.strip(), "plan": plan})
    return plans


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--explain", action="store_true", help="also EXPLAIN ANALYZE the pages' SQL (PostgreSQL)")
    parser.add_argument(
        "--pages", action="append", help="only the pages whose name contains this (repeatable); 0 export rows: none"
    )
    args = parser.parse_args(argv)
    django_setup()
    from django.db import connection

    from bench.overview import dataset_stats, ensure_dataset

    started = time.perf_counter()
    data: dict[str, Any] = {"vendor": connection.vendor, "cases": args.cases, "dataset": ensure_dataset(args.cases)}
    data["dataset"]["stats"] = dataset_stats()
    from patriot.core.startup import settle

    settle()  # as a web process after start-up (patriot/asgi.py)
    log(f"measuring the public map and the staff search × {args.runs} on {args.cases:,} cases")
    data.update(measure_pages(args.runs, args.pages))
    write_json(args.out, data)  # the page figures survive an export cut short
    if args.export_rows:
        log(f"exporting {args.export_rows:,} rows as CSV")
        data["export"] = measure_export(args.export_rows)
    if args.explain:
        data["explain"] = explain_plans()
    data["seconds"] = time.perf_counter() - started
    for name, row in data["results"].items():
        log(
            f"{name:42} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms"
            f"  ×{row['ratio_to_baseline']:.1f}  {row['bytes'] or 0:>9,} B"
            f"  slowest {row['slowest_ms']:6.1f} ms (GC {row['slowest_gc_ms']:.1f})"
        )
    export = data.get("export")
    if export:
        log(
            f"CSV {export['rows']:,} rows in {export['seconds']:.1f}s, tracemalloc peak"
            f" {export['tracemalloc_peak_kib']:,.0f} KiB, RSS +{export['rss_delta_kib']:,} KiB"
        )
    write_json(args.out, data)


if __name__ == "__main__":
    main()
