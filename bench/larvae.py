"""Si Tik Tik benchmarks (child of bench.run, PATRIOT_DATABASE_URL set, database migrated and seeded):

a. indices: every index of all 56 kelurahan for one ISO week (larvae.indices.figures_by_village, one grouped
   query) over N synthetic house inspections spread over 52 weeks (default 1,000,000); aim ≤ 200 ms. Baseline in
   the same run: `SELECT count(*)` of that week's rows. The data set is inserted once in SQL (generate_series on
   PostgreSQL, a recursive CTE on SQLite) and kept: a later run with the same N reuses it.
b. HTTP: POST /api/v1/larvae/inspections from 16 concurrent jumantik (own tokens, keep-alive, every request a
   distinct inspection with its own Idempotency-Key) against uvicorn with one process per core (`--workers`, default
   the machine's cores, as deploy/README.md runs one `patriot-web@` instance per core: on one process 16 concurrent
   requests queue behind each other, and even the empty /healthz has a p95 near 50 ms there); aim p95 ≤ 50 ms.
   Two load models. `waves`, the item's "16 concurrent jumantik": all 16 (own tokens and connections) send one
   inspection at the same instant, the wave waits for all answers, pauses --pause seconds, then a wave of 16
   GET /healthz (the baseline, measured the same way), --waves times (httpload.run_waves). Saturation: the same
   connections back to back for --seconds with no pause (httpload.run_load: throughput and latency at full
   load), baseline GET /healthz the same way. Before them, the work of one request in-process (Django's test
   client): SQL statements and CPU ms.
c. live: a positive inspection to the POC dashboard: record_inspection's commit → the `larvae` event read by the
   staff stream's query for a POC viewer → the panel's partial re-rendered (what the browser fetches on the
   event); aim p95 < 200 ms, plus the stream's poll interval (PATRIOT_SSE_POLL_SECONDS) when Redis is off.
   Baseline: rendering the panel alone. The clock is pinned in the middle week of the data set, so the panel
   reads a week of ~N/52 inspections as on a live server (the current week holds no synthetic rows). Also timed,
   not part of the path: the map's figures (peta.json), which the dashboard's map re-reads 300 ms after an event.

    python -m bench.larvae --out FILE [--inspections N] [--runs R] [--seconds S] [--workers W] [--log-dir DIR]
        [--waves 60] [--pause 0.2] [--only indices,http,live]
"""

# ruff: noqa: S608

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.common import django_setup, log, median, percentile, vendor, write_json

AIM_INDICES_MS = 200.0
AIM_HTTP_P95_MS = 50.0
AIM_LIVE_P95_MS = 200.0
# Distinct inspections (own keys) prepared for one timed round: more than the server accepts in --seconds.
MAX_REQUESTS_PER_ROUND = 20_000
BENCH_USER = "bench-larvae-2"  # bump when the synthetic rows change
WEEKS = 52


def _week_starts() -> tuple[Any, Any]:
    from patriot.core import clock
    from patriot.larvae.indices import Period

    this_week = Period.week_of(clock.now())
    first = this_week.start - timedelta(weeks=WEEKS)
    return first, Period.week_of(first + timedelta(weeks=WEEKS // 2, hours=12))


def ensure_dataset(n: int) -> dict[str, Any]:
    """N house inspections by one bench jumantik, round-robin over the kelurahan and 52 weeks; kept between runs."""
    from django.db import connection

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User
    from patriot.geo.models import Village
    from patriot.larvae.models import Inspection

    user, _created = User.objects.get_or_create(username=BENCH_USER, defaults={"role": RoleChoices.JUMANTIK})
    started = time.perf_counter()
    # In SQL: the synthetic rows have no container counts, and the ORM's cascade would load every row first.
    # Rows of an earlier version of the data set go; this version's stay when there are exactly N.
    stale = list(User.objects.filter(username__startswith="bench-larvae").values_list("pk", flat=True))
    if Inspection.objects.filter(jumantik=user).count() == n:
        stale.remove(user.pk)
    if stale:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(stale))
            cursor.execute(f"DELETE FROM larvae_inspection WHERE jumantik_id IN ({marks})", stale)
    if user.pk not in stale:
        return {"reused": True, "inspections": n}
    villages = list(Village.objects.order_by("pk").values_list("pk", "district_id"))
    first, _middle = _week_starts()
    pg = connection.vendor == "postgresql"
    columns = (
        "jumantik_id, building_kind, address, latitude, longitude, village_id, district_id, rw, rt, h3_cell, "
        "h3_cell_coarse, residents, fever_past_week, actions, photo, containers_inspected, containers_positive, "
        "is_positive, inspected_at, received_at, idempotency_key, fingerprint"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_larvae_village")
        cursor.execute(
            "CREATE TABLE bench_larvae_village (idx integer PRIMARY KEY, village_id integer, district_id integer)"
        )
        cursor.executemany(
            "INSERT INTO bench_larvae_village VALUES (%s, %s, %s)",
            [(i, pk, district) for i, (pk, district) in enumerate(villages)],
        )
        nv = len(villages)
        if pg:
            moment = (
                "%(first)s::timestamptz + ((g / 56) %% 52) * interval '1 week' + (g %% 600000) * interval '1 second'"
            )
            source = "generate_series(0, %(n)s - 1) AS s(g)"
            prefix = ""
            false, true_if = "false", "((g / 2912 + g) %% 13 = 0)"
        else:
            moment = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %(first)s, '+' || (((g / 56) %% 52) * 604800 + g %% 600000) || ' seconds')"
            source = "s"
            prefix = "WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g < %(n)s - 1) "
            false, true_if = "0", "((g / 2912 + g) %% 13 = 0)"
        sql = (
            f"{prefix}INSERT INTO larvae_inspection ({columns}) "
            f"SELECT %(user)s, 'house', 'bench', -6.25, 107.0, v.village_id, v.district_id, 1 + g %% 7, 1 + g %% 11, "
            f"'', '', NULL, {false}, '[]', '', 5, CASE WHEN (g / 2912 + g) %% 13 = 0 THEN 2 ELSE 0 END, {true_if}, "
            f"{moment}, {moment}, '', '' FROM {source} JOIN bench_larvae_village v ON v.idx = g %% {nv}"
        )
        first_value = first.isoformat() if pg else first.astimezone(tz=None).strftime("%Y-%m-%d %H:%M:%S")
        if not pg:
            from datetime import UTC

            first_value = first.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        cursor.execute(sql, {"first": first_value, "n": n, "user": user.pk})
        cursor.execute("DROP TABLE bench_larvae_village")
        cursor.execute("ANALYZE larvae_inspection" if pg else "ANALYZE")
    return {"reused": False, "inspections": n, "insert_seconds": time.perf_counter() - started}


def measure_indices(runs: int) -> dict[str, Any]:
    from django.db import connection

    from patriot.larvae.indices import figures_by_village

    _first, period = _week_starts()
    figures_by_village(period)  # warm
    timings, baseline = [], []
    for _run in range(runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM larvae_inspection WHERE inspected_at >= %s AND inspected_at < %s",
                [period.start, period.end],
            )
            week_rows = cursor.fetchone()[0]
        baseline.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        result = figures_by_village(period)
        timings.append((time.perf_counter() - started) * 1000)
    sample = next(iter(result.values()))
    return {
        "week_rows": week_rows,
        "villages": len(result),
        "indices_ms": median(timings),
        "indices_p95_ms": percentile(timings, 95),
        "baseline_count_ms": median(baseline),
        "ratio_to_baseline": median(timings) / max(median(baseline), 1e-6),
        "meets_aim": median(timings) <= AIM_INDICES_MS,
        "sample": {"houses": sample.counts.houses, "abj": sample.larva_free_index, "df": sample.density_figure},
    }


def measure_http(
    seconds: float, concurrency: int, log_dir: Path, workers: int = 1, waves: int = 60, pause: float = 0.2
) -> dict[str, Any]:
    from bench.httpload import build_post, run_load, run_waves
    from bench.intake import HOST, Server
    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User
    from patriot.accounts.services import create_api_token
    from patriot.core import clock

    secrets = []
    for n in range(concurrency):
        user, _created = User.objects.get_or_create(
            username=f"bench-jumantik-{n}", defaults={"role": RoleChoices.JUMANTIK}
        )
        _token, secret = create_api_token(user, f"bench-{time.time_ns()}")
        secrets.append(secret)
    server = Server(workers=workers, log_dir=log_dir)
    server.start()
    try:
        at = (clock.now() - timedelta(minutes=2)).isoformat()
        run = time.time_ns()

        def prepared(count: int, phase: str, jumantik: int | None = None) -> list[bytes]:
            """`count` distinct inspections, each with its own Idempotency-Key as a phone sends it (a key sent again
            would be a replay, answered 200 from the first row, so every request of a round has its own); all from
            `jumantik`'s token, or round-robin over the jumantik."""
            requests = []
            for n in range(count):
                token = secrets[n % concurrency if jumantik is None else jumantik]
                body = {
                    "building_kind": "house",
                    "address": f"Jl. Uji No. {n}",
                    "rw": 1 + n % 7,
                    "rt": 1 + n % 11,
                    "latitude": -6.251143,
                    "longitude": 107.004300,
                    "inspected_at": at,
                    "containers": [{"type": "drum", "place": "outdoor", "inspected": 2, "positive": n % 5 == 0}],
                }
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Idempotency-Key": f"{run}-{phase}-{n}",
                }
                requests.append(
                    build_post(HOST, server.port, "/api/v1/larvae/inspections", json.dumps(body).encode(), headers)
                )
            return requests

        warm = prepared(concurrency * 16, "warm")
        requests = prepared(MAX_REQUESTS_PER_ROUND, "load")
        get = f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n\r\n".encode()
        run_load(
            HOST, server.port, warm, concurrency=concurrency, seconds=2.0, max_requests=len(warm), distinct=True
        )  # warm
        # The jumantik model: all of them send one inspection at the same instant, each from its own phone
        # (token, connection); the wave waits for every answer, then a pause; a wave of /healthz follows each.
        per_jumantik = [prepared(waves, f"wave{j}", jumantik=j) for j in range(concurrency)]
        waved = run_waves(
            HOST,
            server.port,
            {"inspection": (per_jumantik, 201), "healthz": ([[get]] * concurrency, 200)},
            connections=concurrency,
            waves=waves,
            pause=pause,
        )
        load = run_load(
            HOST,
            server.port,
            requests,
            concurrency=concurrency,
            seconds=seconds,
            max_requests=len(requests),
            distinct=True,
        )
        base = run_load(HOST, server.port, [get], concurrency=concurrency, seconds=min(seconds, 5.0), expected=200)
        p95 = percentile([x * 1000 for x in load.latencies], 95) if load.latencies else None
        base_p95 = percentile([x * 1000 for x in base.latencies], 95) if base.latencies else None
        wave_ms = {kind: [x * 1000 for x in values] for kind, values in waved.latencies.items()}
        inspection_ms, healthz_ms = wave_ms.get("inspection", []), wave_ms.get("healthz", [])
        wave_p95 = percentile(inspection_ms, 95) if inspection_ms else None
        wave_base_p95 = percentile(healthz_ms, 95) if healthz_ms else None
        return {
            "workers": workers,
            "concurrency": concurrency,
            "waves": {
                "jumantik": concurrency,
                "waves": waves,
                "pause_seconds": pause,
                "statuses": waved.statuses,
                "errors": waved.errors,
                "p50_ms": median(inspection_ms) if inspection_ms else None,
                "p95_ms": wave_p95,
                "max_ms": max(inspection_ms) if inspection_ms else None,
                "baseline_healthz_p50_ms": median(healthz_ms) if healthz_ms else None,
                "baseline_healthz_p95_ms": wave_base_p95,
                "ratio_to_baseline": (wave_p95 / wave_base_p95) if wave_p95 and wave_base_p95 else None,
                "wave_ms_p50": median([x * 1000 for x in waved.wave_seconds.get("inspection", [])]),
                "meets_aim": wave_p95 is not None and wave_p95 <= AIM_HTTP_P95_MS,
                "sample_failure": waved.sample_failure[:300],
            },
            "requests": load.requests,
            "statuses": load.statuses,
            "accepted_per_second": load.ok(201) / load.elapsed if load.elapsed else None,
            "p50_ms": median([x * 1000 for x in load.latencies]) if load.latencies else None,
            "p95_ms": p95,
            "baseline_healthz_p95_ms": base_p95,
            "ratio_to_baseline": (p95 / base_p95) if p95 and base_p95 else None,
            "meets_aim": p95 is not None and p95 <= AIM_HTTP_P95_MS,
            "server_errors": server.errors(),
            "sample_failure": load.sample_failure[:300],
        }
    finally:
        server.stop()


def measure_request_work(runs: int) -> dict[str, Any]:
    """One inspection POST in-process through Django's test client (middleware, ninja, token, service): the SQL
    statements it runs and its CPU time (median of `runs`), the work the HTTP figure multiplies under load; beside it,
    alternating, GET /healthz through the same client (what the shared layers cost, and how fast the machine is now)."""
    from django.db import connection
    from django.test import Client

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User
    from patriot.accounts.services import create_api_token
    from patriot.core import clock

    user, _created = User.objects.get_or_create(username="bench-jumantik-work", defaults={"role": RoleChoices.JUMANTIK})
    _token, secret = create_api_token(user, f"bench-work-{time.time_ns()}")
    client = Client(HTTP_HOST="127.0.0.1")
    at = (clock.now() - timedelta(minutes=2)).isoformat()

    def post(n: int) -> None:
        body = {
            "building_kind": "house",
            "address": f"Jl. Kerja No. {n}",
            "rw": 2,
            "rt": 3,
            "latitude": -6.251143,
            "longitude": 107.004300,
            "inspected_at": at,
            "containers": [{"type": "drum", "place": "outdoor", "inspected": 2, "positive": 1}],
        }
        response = client.post(
            "/api/v1/larvae/inspections",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
            HTTP_IDEMPOTENCY_KEY=f"work-{time.time_ns()}-{n}",
        )
        assert response.status_code == 201, response.status_code

    post(-1)  # warm: the areas' index, the URL resolver
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(" ".join(str(sql).split()[:3])[:60])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        post(0)
    cpu, healthz = [], []
    for n in range(1, runs + 1):
        started = time.process_time()
        post(n)
        cpu.append((time.process_time() - started) * 1000)
        started = time.process_time()
        assert client.get("/healthz").status_code == 200
        healthz.append((time.process_time() - started) * 1000)
    return {
        "statements": len(statements),
        "statement_kinds": statements,
        "cpu_ms": median(cpu),
        "healthz_cpu_ms": median(healthz),  # the same client's empty request, alternating: the machine's speed now
    }


def measure_live(runs: int) -> dict[str, Any]:
    from patriot.core import clock
    from patriot.larvae.views.areas import map_json

    _first, middle = _week_starts()
    with clock.pinned(middle.start + timedelta(days=3, hours=10)):
        return _measure_live(runs, render_map=map_json)


def _measure_live(runs: int, render_map: Any) -> dict[str, Any]:
    from django.test import RequestFactory

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User
    from patriot.core import clock
    from patriot.events import config
    from patriot.events.audience import Subscriber, may_receive
    from patriot.events.models import OutboxEvent
    from patriot.larvae.indices import Period
    from patriot.larvae.models import Inspection
    from patriot.larvae.services import ContainerEntry, InspectionSubmission, record_inspection
    from patriot.larvae.views.areas import poc_panel

    jumantik, _created = User.objects.get_or_create(username="bench-live", defaults={"role": RoleChoices.JUMANTIK})
    poc, _created = User.objects.get_or_create(username="bench-poc", defaults={"role": RoleChoices.POC_OPERATOR})
    viewer = Subscriber.of(poc)
    factory = RequestFactory()

    def render_panel() -> None:
        request = factory.get("/jumantik/wilayah/panel/poc/")
        request.user = poc
        response = poc_panel(request)
        assert response.status_code == 200, response.status_code

    def render_map_figures() -> float:
        request = factory.get("/jumantik/wilayah/peta.json")
        request.user = poc
        started = time.perf_counter()
        response = render_map(request)
        assert response.status_code == 200, response.status_code
        return (time.perf_counter() - started) * 1000

    render_panel()
    render_map_figures()
    latencies, baseline, map_ms = [], [], []
    last = OutboxEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for n in range(runs):
        started = time.perf_counter()
        render_panel()
        baseline.append((time.perf_counter() - started) * 1000)
        submission = InspectionSubmission(
            building_kind="house",
            address=f"Jl. Live No. {n}",
            rw=2,
            rt=3,
            latitude=-6.251143,
            longitude=107.004300,
            inspected_at=clock.now() - timedelta(seconds=5),
            containers=[ContainerEntry("drum", "outdoor", 2, 1)],
        )
        started = time.perf_counter()
        record_inspection(jumantik, submission)
        # The stream's read: events after the last id, filtered for the viewer.
        events = [e for e in OutboxEvent.objects.filter(pk__gt=last).order_by("pk") if may_receive(viewer, e)]
        assert events and events[-1].subject_type == "larvae"
        last = events[-1].pk
        render_panel()
        latencies.append((time.perf_counter() - started) * 1000)
        map_ms.append(render_map_figures())
    p95 = percentile(latencies, 95)
    week = Period.week_of(clock.now())
    return {
        "runs": runs,
        "p50_ms": median(latencies),
        "p95_ms": p95,
        "baseline_panel_render_ms": median(baseline),
        "week_inspections": Inspection.objects.filter(inspected_at__gte=week.start, inspected_at__lt=week.end).count(),
        "map_json_ms": median(map_ms),
        "ratio_to_baseline": median(latencies) / max(median(baseline), 1e-6),
        "sse_poll_seconds_without_redis": config.value("PATRIOT_SSE_POLL_SECONDS"),
        "meets_aim": p95 < AIM_LIVE_P95_MS,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--inspections", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--waves", type=int, default=60, help="waves of the jumantik model (HTTP part)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between waves")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers for the HTTP part (one per core)"
    )
    parser.add_argument("--log-dir", default="var/bench")
    parser.add_argument("--only", default="indices,http,live")
    args = parser.parse_args(argv)
    django_setup()
    only = set(args.only.split(","))
    result: dict[str, Any] = {"vendor": vendor()}
    log(f"larvae: data set of {args.inspections:,} inspections")
    result["dataset"] = ensure_dataset(args.inspections)
    if "indices" in only:
        result["indices"] = measure_indices(args.runs)
        log(f"larvae indices: {result['indices']['indices_ms']:.1f} ms median")
    if "live" in only:
        result["live"] = measure_live(args.runs)
        log(f"larvae live: p95 {result['live']['p95_ms']:.1f} ms")
    if "http" in only:
        result["request_work"] = measure_request_work(args.runs * 5)
        log(
            f"larvae request: {result['request_work']['statements']} statements, {result['request_work']['cpu_ms']:.2f} ms CPU"
            f" (/healthz {result['request_work']['healthz_cpu_ms']:.2f})"
        )
        log_dir = Path(args.log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        result["http"] = measure_http(args.seconds, args.concurrency, log_dir, args.workers, args.waves, args.pause)
        http = result["http"]
        log(
            f"larvae http: saturation p95 {http['p95_ms']} ms (/healthz {http['baseline_healthz_p95_ms']}); "
            f"waves of {args.concurrency} p95 {http['waves']['p95_ms']} ms (/healthz {http['waves']['baseline_healthz_p95_ms']})"
        )
    write_json(Path(args.out), result)


if __name__ == "__main__":
    main()
