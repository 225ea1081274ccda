"""Intake benchmark (child process; the database comes from PATRIOT_DATABASE_URL, already migrated and seeded).

a. baseline: bare INSERT + COMMIT of a case-shaped row into cases_case, one transaction per row, through
   Django's connection.cursor() — the production database backend: patriot.core.sqlite_backend (whose
   transactions queue on the process lock) / PostgreSQL through psycopg's pool — → rows/s
b. service: patriot.cases.services.create_case in a loop, one transaction each → cases/s, ratio to (a)
c. HTTP: POST /api/v1/cases against uvicorn with 1 and 2 workers from a concurrent keep-alive client
   → cases/s, p50/p95 latency, ratio to (a); the cases created are counted in the database afterwards.

(a) and (b) run interleaved round by round so that machine noise hits both alike; medians are reported.
If HTTP intake misses the aim, the service path and the request path are profiled (cProfile) in-process.

    python -m bench.intake --out FILE [--quick] [--workers 1,2] [--concurrency 16] [--profile auto|always|never]
"""

# ruff: noqa: S603, S608  (SQL built from integers and model metadata; commands from fixed argument lists)

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import json
import os
import pstats
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import (
    KELURAHAN_CSV,
    ROOT,
    VENV_BIN,
    CpuMeter,
    calibration_ms,
    django_setup,
    load_average,
    log,
    median,
    percentile,
    timed_loop,
    write_json,
)

AIM_CASES_PER_SECOND = 500
# Issue 16: HTTP intake on one worker at ≥ 60 % of the same server's empty-view throughput in the same run.
AIM_RATIO_TO_EMPTY_VIEW = 0.60
EMPTY_VIEW = "/healthz"
HOST = "127.0.0.1"


# --- set-up ---------------------------------------------------------------------------------


def intake_inputs() -> tuple[list[Any], list[tuple[float, float, str]]]:
    """Active categories that need no extra attribute, and kelurahan centroids that the lookup places."""
    from patriot.cases.models import Category
    from patriot.geo.lookup import LocationError, locate

    categories = [
        c
        for c in Category.objects.filter(is_active=True).order_by("code")
        if not any(a.get("required") for a in (c.attributes or []))
    ]
    if not categories:
        raise SystemExit("No active category without required attributes: did `patriot seed` run?")
    points = []
    with KELURAHAN_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            lat, lon = float(row["centroid_lat"]), float(row["centroid_lon"])
            try:
                locate(lat, lon)
            except LocationError:
                continue
            points.append((lat, lon, row["name"]))
    if not points:
        raise SystemExit("No kelurahan centroid lies inside a loaded village: did `patriot seed` load the areas?")
    return categories, points


def _description(n: int, place: str) -> str:
    return f"Jalan rusak dan berlubang di dekat pasar {place}, mohon segera diperbaiki (uji beban #{n})."


@contextmanager
def count_queries() -> Any:
    from django.db import connection

    counter = Counter()

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        counter[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counter


# --- (a) baseline and (b) service -----------------------------------------------------------


class BareInsert:
    """INSERT + COMMIT of a copy of a real case row (every column but id), tracking number made unique."""

    def __init__(self, template_case_id: int) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute('SELECT * FROM "cases_case" WHERE "id" = %s', [template_case_id])
            columns = [d[0] for d in cursor.description]
            row = cursor.fetchone()
        values = dict(zip(columns, row, strict=True))
        del values["id"]
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            values = {k: (Jsonb(v) if isinstance(v, (dict, list)) else v) for k, v in values.items()}
        self.columns = list(values)
        self.values = list(values.values())
        self.tracking_index = self.columns.index("tracking_number")
        column_sql = ", ".join(f'"{c}"' for c in self.columns)
        placeholders = ", ".join(["%s"] * len(self.columns))
        self.sql = f'INSERT INTO "cases_case" ({column_sql}) VALUES ({placeholders})'
        self.prefix = f"BASE-{os.getpid() % 10000:04d}-"
        self.serial = 0

    def insert_one(self, _i: int) -> None:
        from django.db import connection, transaction

        self.serial += 1
        params = list(self.values)
        params[self.tracking_index] = f"{self.prefix}{self.serial:08d}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(self.sql, params)

    def cleanup(self) -> int:
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute('DELETE FROM "cases_case" WHERE "tracking_number" LIKE %s', [self.prefix + "%"])
            return cursor.rowcount


class ServiceIntake:
    def __init__(self, categories: list[Any], points: list[tuple[float, float, str]]) -> None:
        self.categories = categories
        self.points = points
        self.serial = 0

    def submission(self, n: int) -> Any:
        from patriot.cases.services import CaseSubmission

        lat, lon, place = self.points[n % len(self.points)]
        return CaseSubmission(
            channel="pot",
            category=self.categories[n % len(self.categories)],
            description=_description(n, place),
            latitude=lat,
            longitude=lon,
            reporter_name=f"Warga Uji {n % 997}",
            reporter_phone=f"0812{n % 100_000_000:08d}",
        )

    def create_one(self, _i: int) -> Any:
        from patriot.cases.services import create_case

        self.serial += 1
        return create_case(self.submission(self.serial))


def database_backend() -> str:
    """The production settings' backend, e.g. "patriot.core.sqlite_backend" or "postgresql, pool ≤ 20"."""
    from django.db import connection

    engine = connection.settings_dict["ENGINE"].removeprefix("django.db.backends.")
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if pool:
        engine += f", pool ≤ {pool['max_size']}" if isinstance(pool, dict) and "max_size" in pool else ", pool"
    return engine


def measure_in_process(*, rounds: int, round_seconds: float, max_per_round: int) -> dict[str, Any]:
    from django.db import connection

    from patriot.cases.models import Case

    categories, points = intake_inputs()
    service = ServiceIntake(categories, points)
    first = service.create_one(0)  # also the template row of the baseline, and a warm-up
    with count_queries() as queries:
        service.create_one(0)
    bare = BareInsert(first.case.pk)
    log(f"intake in-process: {rounds} rounds × {round_seconds}s of (a) bare insert and (b) create_case")
    timed_loop(bare.insert_one, seconds=min(1.0, round_seconds), max_count=max_per_round)  # warm-up
    timed_loop(service.create_one, seconds=min(1.0, round_seconds), max_count=max_per_round)
    base_rates, service_rates = [], []
    before, bare_before = Case.objects.count(), bare.serial
    service_total = 0
    for _ in range(rounds):
        count, elapsed = timed_loop(bare.insert_one, seconds=round_seconds, max_count=max_per_round)
        base_rates.append(count / elapsed)
        count, elapsed = timed_loop(service.create_one, seconds=round_seconds, max_count=max_per_round)
        service_rates.append(count / elapsed)
        service_total += count
    created = Case.objects.count() - before - (bare.serial - bare_before)
    removed = bare.cleanup()
    base, svc = median(base_rates), median(service_rates)
    return {
        "baseline": {
            "what": "bare INSERT+COMMIT of a case row via connection.cursor() (the production backend), 1 transaction/row",
            "rows_per_s": base,
            "rounds": base_rates,
            "columns": len(bare.columns),
            "rows_inserted_then_deleted": removed,
        },
        "service": {
            "what": "services.create_case(CaseSubmission(...)), 1 transaction each",
            "cases_per_s": svc,
            "rounds": service_rates,
            "ratio_to_baseline": svc / base if base else None,
            "cases_created_counted": created,
            "cases_created_expected": service_total,
            "queries_per_case": dict(queries),
            "queries_per_case_total": sum(queries.values()),
            "all_cases_exist": created == service_total,
        },
        "vendor": connection.vendor,
        "backend": database_backend(),
        "categories_used": len(categories),
        "points_used": len(points),
    }


# --- (c) HTTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def http_requests(
    categories: list[Any], points: list[tuple[float, float, str]], port: int, count: int = 256
) -> list[bytes]:
    from bench.httpload import build_post

    bodies = []
    for n in range(count):
        lat, lon, place = points[n % len(points)]
        body = {
            "category": categories[(n * 5) % len(categories)].code,
            "description": _description(n, place),
            "latitude": lat,
            "longitude": lon,
            "reporter": {"name": f"Warga Uji {n}", "phone": f"0813{n:08d}"},
        }
        bodies.append(build_post(HOST, port, "/api/v1/cases", json.dumps(body).encode()))
    return bodies


class Server:
    """uvicorn serving patriot.asgi:application on a free loopback port with N workers."""

    def __init__(self, workers: int, log_dir: Path) -> None:
        self.workers = workers
        self.port = free_port()
        self.log_path = log_dir / f"uvicorn-{workers}w-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        import httpx

        env = dict(os.environ)
        env.update(PATRIOT_INTAKE_RATE_PER_MINUTE="1000000", PATRIOT_SECURE_COOKIES="0")
        command = [
            str(VENV_BIN / "uvicorn"),
            "patriot.asgi:application",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
        ]
        self.log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}: {self.log_tail()}")
            try:
                response = httpx.get(f"http://{HOST}:{self.port}/api/v1/openapi.json", timeout=5)
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer within {timeout:.0f}s: {self.log_tail()}")

    def errors(self) -> dict[str, int]:
        """Exception lines the server logged (e.g. 500s), most frequent first."""
        found: Counter[str] = Counter()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return {}
        for line in text.splitlines():
            if re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Warning)\b.*:", line) and not line.startswith(" "):
                found[line[:240]] += 1
        return dict(found.most_common(5))

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own session: uvicorn and its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()
        self.process = None


def measure_http(
    *,
    workers: int,
    concurrency: int,
    rounds: int,
    round_seconds: float,
    warmup_seconds: float,
    log_dir: Path,
    baseline_rows_per_s: float | None,
    attempts: int = 4,
) -> dict[str, Any]:
    from django.db import close_old_connections

    from bench.httpload import build_get, run_load
    from patriot.cases.models import Case

    categories, points = intake_inputs()
    server = Server(workers, log_dir)
    for attempt in range(1, attempts + 1):
        try:
            server.start()
            break
        except RuntimeError as error:
            log(f"server start failed (attempt {attempt}/{attempts}): {error}")
            if attempt == attempts:
                return {"workers": workers, "error": str(error)}
            time.sleep(30)
            server = Server(workers, log_dir)
    try:
        requests = http_requests(categories, points, server.port)
        close_old_connections()
        before = Case.objects.count()
        log(
            f"HTTP {workers} worker(s): warm-up {warmup_seconds}s, then {rounds} × {round_seconds}s at {concurrency} connections"
        )
        warm = run_load(HOST, server.port, requests, concurrency=concurrency, seconds=warmup_seconds)
        empty_requests = [build_get(HOST, server.port, EMPTY_VIEW)]
        run_load(HOST, server.port, empty_requests, concurrency=concurrency, seconds=1.0, expected=200)  # warm-up
        results, empty_results = [], []
        for _ in range(rounds):  # the empty view and intake alternate, so machine noise hits both alike
            empty_results.append(
                run_load(
                    HOST, server.port, empty_requests, concurrency=concurrency, seconds=round_seconds, expected=200
                )
            )
            with CpuMeter(server.process.pid) as cpu:  # type: ignore[union-attr]
                result = run_load(HOST, server.port, requests, concurrency=concurrency, seconds=round_seconds)
            results.append((result, cpu))
        single = single_empty = None
        if workers == 1:  # the same server with one connection: a request's own time, without queueing
            single = run_load(HOST, server.port, requests, concurrency=1, seconds=min(round_seconds, 4.0))
            single_empty = run_load(
                HOST, server.port, empty_requests, concurrency=1, seconds=min(round_seconds, 4.0), expected=200
            )
        close_old_connections()
        after = Case.objects.count()
    finally:
        server.stop()
    server_errors = server.errors()
    created_201 = warm.ok(201) + sum(r.ok(201) for r, _ in results) + (single.ok(201) if single else 0)
    answered = [n for r in [warm, *(r for r, _ in results), *([single] if single else [])] for n in r.tracking_numbers]
    found = 0
    for start in range(0, len(answered), 500):
        found += Case.objects.filter(tracking_number__in=answered[start : start + 500]).count()
    statuses: Counter[int] = Counter(warm.statuses)
    for r, _ in results:
        statuses.update(r.statuses)
    if single:
        statuses.update(single.statuses)
    rates = [r.ok(201) / r.elapsed for r, _ in results]
    latencies = [lat for r, _ in results for lat in r.latencies]
    p50s = [percentile(r.latencies, 50) * 1000 for r, _ in results]
    p95s = [percentile(r.latencies, 95) * 1000 for r, _ in results]
    rate = median(rates)
    empty_rates = [r.ok(200) / r.elapsed for r in empty_results]
    empty_rate = median(empty_rates)
    pair_ratios = [i / e for i, e in zip(rates, empty_rates, strict=True) if e]
    failures = [r.sample_failure for r, _ in [(warm, None), *results] if r.sample_failure]
    return {
        "workers": workers,
        "concurrency": concurrency,
        "cases_per_s": rate,
        "rounds": rates,
        "p50_ms": median(p50s),
        "p95_ms": median(p95s),
        "p99_ms_all": percentile(latencies, 99) * 1000,
        "ratio_to_baseline": rate / baseline_rows_per_s if baseline_rows_per_s else None,
        "meets_aim": rate >= AIM_CASES_PER_SECOND,
        "empty_view": {
            "what": f"GET {EMPTY_VIEW} (a Django view without database work, same middleware) on the same server,"
            " rounds alternating with intake's",
            "requests_per_s": empty_rate,
            "rounds": empty_rates,
            "p50_ms": median([percentile(r.latencies, 50) * 1000 for r in empty_results]),
            "non_200": sum(r.requests - r.ok(200) for r in empty_results),
            "one_connection_p50_ms": percentile(single_empty.latencies, 50) * 1000 if single_empty else None,
        },
        "ratio_to_empty_view": median(pair_ratios) if pair_ratios else None,
        "ratio_to_empty_view_rounds": pair_ratios,
        "meets_empty_view_aim": bool(pair_ratios) and median(pair_ratios) >= AIM_RATIO_TO_EMPTY_VIEW,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": warm.errors + sum(r.errors for r, _ in results),
        "sample_failure": failures[0] if failures else "",
        "server_errors": server_errors,
        "responses_201": created_201,
        "cases_counted_in_db": after - before,
        "tracking_numbers_answered": len(answered),
        "tracking_numbers_found_in_db": found,
        "all_cases_exist": after - before == created_201 == len(set(answered)) == found,
        "non_201": sum(v for k, v in statuses.items() if k != 201),
        "one_connection": {
            "cases_per_s": single.ok(201) / single.elapsed,
            "p50_ms": percentile(single.latencies, 50) * 1000,
            "p95_ms": percentile(single.latencies, 95) * 1000,
            "statuses": {str(k): v for k, v in single.statuses.items()},
        }
        if single
        else None,
        "cpu_cores_server": median(c.tree_cores for _, c in results),
        "cpu_cores_client": median(c.self_cores for _, c in results),
        "cpu_cores_machine": median(c.machine_cores for _, c in results),
        "cpu_cores_postgres": median(c.postgres_cores for _, c in results),
        "cpu_cores_other": median(c.machine_cores - c.tree_cores - c.self_cores - c.postgres_cores for _, c in results),
        "load_average_after": load_average(),
    }


# --- profile --------------------------------------------------------------------------------


def _top(profile: cProfile.Profile, *, sort: str, limit: int, per: int) -> list[dict[str, Any]]:
    stats = pstats.Stats(profile)
    rows = []
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.replace(str(ROOT) + "/", "")
        if "site-packages/" in short:
            short = short.split("site-packages/", 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls_per_case": ncalls / per,
                "tottime_us_per_case": tottime / per * 1e6,
                "cumtime_us_per_case": cumtime / per * 1e6,
            }
        )
    key = "tottime_us_per_case" if sort == "tottime" else "cumtime_us_per_case"
    rows.sort(key=lambda r: r[key], reverse=True)
    return rows[:limit]


def _markers(profile: cProfile.Profile, per: int) -> dict[str, float]:
    stats = pstats.Stats(profile)
    found: dict[str, float] = {}
    for (filename, _line, name), (_cc, _ncalls, _tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = None
        if name == "create_case" and "patriot/cases/services.py" in filename:
            label = "services.create_case"
        elif name == "create_case" and "patriot/cases/api.py" in filename:
            label = "api.create_case (view)"
        elif (
            "patriot/" in filename
            and "site-packages" not in filename
            and name
            in {
                "_next_tracking_number",
                "locate",
                "working_day_clock",
                "_write_entry",
                "_event_payload",
                "record_event",
                "_validate_attributes",
                "fingerprint",
                "reporter_key_for",
                "hit",
                "_actor_label",
                "_start_clock",
            }
        ):
            label = name
        elif name == "save" and filename.endswith("django/db/models/base.py"):
            label = "Model.save (all models)"
        elif name == "__exit__" and filename.endswith("django/db/transaction.py"):
            label = "atomic.__exit__ (COMMIT)"
        elif name == "first" and filename.endswith("django/db/models/query.py"):
            label = "QuerySet.first (the view's category lookup)"
        elif name == "get_response" and filename.endswith("django/core/handlers/base.py"):
            label = "django get_response (request total)"
        elif name == "execute" and filename.endswith("django/db/backends/utils.py"):
            label = "CursorWrapper.execute (all SQL)"
        if label:
            found[label] = max(found.get(label, 0.0), cumtime / per * 1e6)
    return dict(sorted(found.items(), key=lambda kv: -kv[1]))


def profile_paths(count: int) -> dict[str, Any]:
    """cProfile of N create_case calls, and of N POST /api/v1/cases through Django's request handler."""
    from django.test import Client

    categories, points = intake_inputs()
    service = ServiceIntake(categories, points)
    service.create_one(0)
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    for i in range(count):
        service.create_one(i)
    profile.disable()
    service_elapsed = time.perf_counter() - start

    bodies = []
    for n in range(count):
        lat, lon, place = points[n % len(points)]
        bodies.append(
            json.dumps(
                {
                    "category": categories[n % len(categories)].code,
                    "description": _description(n, place),
                    "latitude": lat,
                    "longitude": lon,
                    "reporter": {"name": f"Warga {n}", "phone": f"0814{n:08d}"},
                }
            )
        )
    client = Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR="127.0.0.1")
    first = client.post("/api/v1/cases", bodies[0], content_type="application/json")
    http_profile = cProfile.Profile()
    statuses: Counter[int] = Counter()
    with count_queries() as queries:
        client.post("/api/v1/cases", bodies[0], content_type="application/json")
    start = time.perf_counter()
    http_profile.enable()
    for body in bodies:
        statuses[client.post("/api/v1/cases", body, content_type="application/json").status_code] += 1
    http_profile.disable()
    http_elapsed = time.perf_counter() - start
    return {
        "note": "cProfile adds overhead; read the shares, not the absolute times. Times are µs per case.",
        "service": {
            "cases": count,
            "us_per_case_under_profiler": service_elapsed / count * 1e6,
            "markers_cum_us": _markers(profile, count),
            "top_tottime": _top(profile, sort="tottime", limit=25, per=count),
        },
        "request": {
            "what": "django.test.Client POST /api/v1/cases (WSGI handler, same middleware, view and service)",
            "first_status": first.status_code,
            "statuses": {str(k): v for k, v in statuses.items()},
            "queries_per_request": dict(queries),
            "queries_per_request_total": sum(queries.values()),
            "us_per_request_under_profiler": http_elapsed / count * 1e6,
            "markers_cum_us": _markers(http_profile, count),
            "top_tottime": _top(http_profile, sort="tottime", limit=25, per=count),
            "top_cumtime": _top(http_profile, sort="cumtime", limit=40, per=count),
        },
    }


def format_profile(profile: dict[str, Any], limit: int = 12) -> str:
    out = io.StringIO()
    req = profile["request"]["markers_cum_us"]
    total = profile["request"].get("us_per_request_under_profiler") or 0.0
    if total and "api.create_case (view)" in req and "services.create_case" in req:
        view, service = req["api.create_case (view)"], req["services.create_case"]
        handler = req.get("django get_response (request total)", total)
        sql = req.get("CursorWrapper.execute (all SQL)", 0.0)
        commit = req.get("atomic.__exit__ (COMMIT)", 0.0)
        out.write(
            f"  one POST /api/v1/cases under cProfile ≈ {total:.0f} µs: middleware + ninja + handler {handler - view:.0f}"
            f" ({(handler - view) / total:.0%}), view outside the service {view - service:.0f} ({(view - service) / total:.0%}),"
            f" create_case {service:.0f} ({service / total:.0%}); of all that, SQL in the driver {sql:.0f}"
            f" ({sql / total:.0%}) and the commit {commit:.0f} ({commit / total:.0%}); the rest is Python.\n"
        )
        out.write(f"  SQL statements per request: {profile['request'].get('queries_per_request')}\n")
    for part in ("service", "request"):
        data = profile[part]
        out.write(
            f"  {part}: {data.get('us_per_case_under_profiler') or data.get('us_per_request_under_profiler'):.0f} µs/case under cProfile\n"
        )
        out.write("    cumulative µs/case of key functions:\n")
        for name, us in list(data["markers_cum_us"].items())[:limit]:
            out.write(f"      {us:9.0f}  {name}\n")
        out.write("    top self time (µs/case):\n")
        for row in data["top_tottime"][:limit]:
            out.write(f"      {row['tottime_us_per_case']:9.0f}  {row['calls_per_case']:6.1f}×  {row['function']}\n")
    return out.getvalue()


# --- entry ----------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", choices=["auto", "always", "never"], default="auto")
    parser.add_argument("--log-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    # SIGTERM (the parent's timeout) unwinds normally, so a running uvicorn is stopped in `finally`.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    django_setup()

    started = time.perf_counter()
    rounds, round_seconds = (3, 1.0) if args.quick else (5, 3.0)
    http_rounds, http_seconds, warmup = (2, 3.0, 2.0) if args.quick else (3, 8.0, 3.0)
    log_dir = args.log_dir or args.out.parent
    result: dict[str, Any] = {"machine_at_start": {"load_average": load_average(), "calibration_ms": calibration_ms()}}
    result.update(measure_in_process(rounds=rounds, round_seconds=round_seconds, max_per_round=100_000))
    base = result["baseline"]["rows_per_s"]
    log(f"baseline {base:.0f} rows/s, create_case {result['service']['cases_per_s']:.0f} cases/s")
    result["http"] = []
    for workers in [int(w) for w in args.workers.split(",") if w]:
        http = measure_http(
            workers=workers,
            concurrency=args.concurrency,
            rounds=http_rounds,
            round_seconds=http_seconds,
            warmup_seconds=warmup,
            log_dir=log_dir,
            baseline_rows_per_s=base,
        )
        result["http"].append(http)
        if "error" not in http:
            log(
                f"HTTP {workers}w: {http['cases_per_s']:.0f} cases/s, p50 {http['p50_ms']:.1f} ms, p95 {http['p95_ms']:.1f} ms,"
                f" {http['responses_201']} × 201 / {http['cases_counted_in_db']} rows; empty view"
                f" {http['empty_view']['requests_per_s']:.0f} req/s, intake/empty {http['ratio_to_empty_view']:.2f}"
            )
    best = max((h.get("cases_per_s", 0.0) for h in result["http"]), default=0.0)
    if args.profile == "always" or (args.profile == "auto" and best < AIM_CASES_PER_SECOND):
        log("profiling the service and request paths (cProfile)")
        result["profile"] = profile_paths(150 if args.quick else 400)
    result["machine_at_end"] = {"load_average": load_average(), "calibration_ms": calibration_ms()}
    result["seconds"] = time.perf_counter() - started
    write_json(args.out, result)


if __name__ == "__main__":
    main()
