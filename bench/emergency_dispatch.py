"""PSC 119 dispatch (issue 11, item 14): suggesting units among 200 ambulances, and a new incident reaching 50 open
dispatch boards.

Set-up (this process never imports Django): a PostgreSQL database `patriot_bench_emergency`, migrated and seeded
afresh, a PSC with a call taker and a dispatcher (sessions made by `patriot shell`), 200 ambulances spread over the
city and one incident.

  suggest   emergency.dispatch.suggest() for the incident among the 200 units (+ re-route candidates), median of
            many runs in a child process; beside it, in the same run, the baseline: the bare query of the 200 rows'
            ids and positions (`Ambulance.objects.values_list(...)`), so the ratio says what the logic adds.
  board     50 SSE clients signed in as the dispatcher on one uvicorn process (as 50 boards would be); the call
            taker saves a P1 call through the page's form (POST /psc/) every PACE seconds; latency = the moment a
            client has read the incident's frame − the moment the POST was sent, per (client, incident).
            Baseline: GET /healthz round trips on the same server.

    python -m bench.emergency_dispatch [--clients 50] [--events 20] [--quick] [--out FILE]
"""

# ruff: noqa: S603

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import ROOT, calibration_ms, load_average, log, median, percentile, write_json

DATABASE = "patriot_bench_emergency"
AIM_SUGGEST_MS = 5.0
AIM_P95_MS = 200
PACE_SECONDS = 0.25
UNITS = 200
CSRF = "benchcsrftokenbenchcsrftoken0123"  # 32 characters: Django accepts the unmasked secret

SETUP_SCRIPT = """
import random
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from patriot.accounts.models import OrganisationUnit, User
from patriot.emergency.models import Ambulance
rng = random.Random(14)
psc, _ = OrganisationUnit.objects.get_or_create(kind="psc_centre", code="psc-bench", defaults={"name": "PSC bench"})
station, _ = OrganisationUnit.objects.get_or_create(
    kind="ambulance_station", code="pos-bench", defaults={"name": "Pos bench", "parent": psc,
    "latitude": -6.2423, "longitude": 107.0006})
for n in range(%(units)d):
    unit, _ = OrganisationUnit.objects.get_or_create(
        kind="ambulance_unit", code=f"amb-bench-{n:03d}", defaults={"name": f"Ambulans {n:03d}", "parent": station})
    status = rng.choice(["available"] * 6 + ["returning", "en_route", "on_scene", "out_of_service"])
    Ambulance.objects.get_or_create(unit=unit, defaults={
        "ambulance_type": rng.choice(["emergency", "transport"]), "crew_skills": ["driver", "bls"],
        "status": status, "out_of_service_reason": "servis" if status == "out_of_service" else "",
        "last_latitude": rng.uniform(-6.37, -6.18) if n %% 4 else None,
        "last_longitude": rng.uniform(106.92, 107.04) if n %% 4 else None})
keys = []
for name, role in (("bench-calltaker", "psc_call_taker"), ("bench-dispatcher", "psc_dispatcher")):
    user, _ = User.objects.get_or_create(username=name, defaults={"role": role, "unit": psc})
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "patriot.accounts.backends.ThrottledModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print(" ".join(keys))
"""

FORM = {
    "caller_number": "0812 3456 7890",
    "address": "Jl. Uji Latensi No. 1",
    "latitude": "-6.251143",
    "longitude": "107.0043",
    "complaint": "chest_pain",
    "patient_count": "1",
    "conscious": "yes",
    "breathing_normally": "yes",
    "severe_bleeding": "no",
    "age_band": "adult",
    "csrfmiddlewaretoken": CSRF,
}


# --- the suggest child (imports Django) ---------------------------------------------------------


def suggest_child(out: Path, runs: int) -> None:
    from bench.common import django_setup

    django_setup()
    from django.db import connection

    from patriot.accounts.models import User
    from patriot.core import clock
    from patriot.emergency import dispatch
    from patriot.emergency.models import Ambulance, Incident
    from patriot.emergency.services import CallDetails, create_incident

    user = User.objects.get(username="bench-calltaker")
    incident = Incident.objects.filter(state="open").first() or create_incident(
        user,
        CallDetails(
            complaint="chest_pain",
            conscious="yes",
            breathing_normally="yes",
            severe_bleeding="no",
            latitude=-6.251143,
            longitude=107.0043,
        ),
    )
    now = clock.now()

    def suggest() -> object:
        return dispatch.suggest(
            incident_id=incident.pk,
            latitude=incident.latitude,
            longitude=incident.longitude,
            level=incident.level,
            complaint=incident.complaint,
            now=now,
        )

    def baseline() -> object:
        return list(Ambulance.objects.values_list("pk", "last_latitude", "last_longitude"))

    for _ in range(20):  # warm-up: connection, query compilation, translations
        suggest()
        baseline()
    timings: dict[str, list[float]] = {"suggest": [], "baseline": []}
    for _ in range(runs):  # interleaved, so both see the same machine
        for name, fn in (("suggest", suggest), ("baseline", baseline)):
            start = time.perf_counter()
            fn()
            timings[name].append((time.perf_counter() - start) * 1000)
    result = suggest()
    counted = Ambulance.objects.count()
    write_json(
        out,
        {
            "units": counted,
            "database": connection.vendor,
            "suggested": len(result.units),  # type: ignore[attr-defined]
            "reroutable": len(result.reroutable),  # type: ignore[attr-defined]
            "runs": runs,
            "suggest_median_ms": round(median(timings["suggest"]), 3),
            "suggest_p95_ms": round(percentile(timings["suggest"], 95), 3),
            "baseline_median_ms": round(median(timings["baseline"]), 3),
            "ratio": round(median(timings["suggest"]) / median(timings["baseline"]), 2),
        },
    )


# --- the board latency (asyncio; no Django) ------------------------------------------------------


def _form_post(port: int, cookie: str, path: str = "/psc/", form: dict[str, str] | None = None) -> bytes:
    body = urlencode(form if form is not None else FORM).encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body)}",
        f"Cookie: {cookie}; csrftoken={CSRF}",
        "Connection: close",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def post_form(port: int, cookie: str, path: str, form: dict[str, str]) -> tuple[str, float, float]:
    """A page's form POST (CSRF token in the form and the cookie) answered by a redirect: (its Location, the moment
    it was sent, the moment the answer's head was read). Used by bench.referral_beds too."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    sent = time.perf_counter()
    writer.write(_form_post(port, cookie, path, form))
    head = await reader.readuntil(b"\r\n\r\n")
    answered = time.perf_counter()
    writer.close()
    text = head.decode("latin-1")
    if " 302 " not in text.split("\r\n", 1)[0]:
        raise RuntimeError(f"POST {path} answered {text[:300]!r}")
    location = next(line for line in text.split("\r\n") if line.lower().startswith("location:"))
    return location.split(":", 1)[1].strip(), sent, answered


async def _post_incident(port: int, cookie: str) -> tuple[str, float, float]:
    location, sent, answered = await post_form(port, cookie, "/psc/", FORM)
    return location.rstrip("/").rsplit("/", 1)[-1], sent, answered


async def _board(port: int, board_cookie: str, taker_cookie: str, clients: int, events: int) -> dict[str, Any]:
    from bench.sse_latency import Client, _round_trips

    trips = await _round_trips(port, 200)
    arrivals: dict[str, list[float]] = {}
    connected = [Client(port, board_cookie, arrivals) for _ in range(clients)]
    for start in range(0, clients, 10):  # boards open one after another, not in one instant
        batch = connected[start : start + 10]
        for client in batch:
            client.task = asyncio.get_running_loop().create_task(client.run())
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in batch)), 60)
    # Warm-up, not measured.
    pk, _sent, _answered = await _post_incident(port, taker_cookie)
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and len(arrivals.get(pk, [])) < clients:
        await asyncio.sleep(0.02)
    posts = []
    next_at = time.perf_counter()
    for _ in range(events):
        posts.append(await _post_incident(port, taker_cookie))
        next_at += PACE_SECONDS
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(len(arrivals.get(pk, [])) < clients for pk, *_ in posts):
        await asyncio.sleep(0.05)
    for client in connected:
        assert client.task is not None
        client.task.cancel()
    await asyncio.gather(*(c.task for c in connected if c.task), return_exceptions=True)
    latencies = [(t - sent) * 1000 for pk, sent, _a in posts for t in arrivals.get(pk, [])]
    return {
        "clients": clients,
        "events": events,
        "deliveries": len(latencies),
        "missing": clients * events - len(latencies),
        "post_ms_median": round(median((a - s) * 1000 for _pk, s, a in posts), 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "baseline_healthz_p50_ms": round(percentile([t * 1000 for t in trips], 50), 2),
    }


# --- orchestration -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.emergency_dispatch", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--events", type=int, default=None, help="incidents posted (default 20; quick 8)")
    parser.add_argument("--runs", type=int, default=None, help="suggest() timings (default 300; quick 100)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--suggest-child", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    runs = args.runs or (100 if args.quick else 300)
    if args.suggest_child:
        suggest_child(args.suggest_child, runs)
        return
    from bench.run import child_env, migrate_and_seed, patriot, pg_available, pg_create, pg_drop, pg_url
    from bench.sse_latency import Servers

    events = args.events or (8 if args.quick else 20)
    report: dict[str, Any] = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "aim_suggest_median_ms": AIM_SUGGEST_MS,
        "aim_board_p95_ms": AIM_P95_MS,
        "machine_at_start": {"load_average": load_average(), "calibration_ms": calibration_ms()},
    }
    if why := pg_available():
        raise SystemExit(f"PostgreSQL is needed for this benchmark: {why}")
    work = Path(tempfile.mkdtemp(prefix="patriot-bench-emergency-"))
    try:
        pg_drop(DATABASE)
        pg_create(DATABASE)
        env = child_env(pg_url(DATABASE), work / "var")
        env["PATRIOT_SECRET_KEY"] = "bench-emergency-key"  # noqa: S105
        env["PATRIOT_SSE_MAX_STREAMS_PER_CLIENT"] = env["PATRIOT_SSE_MAX_STREAMS"] = "10000"
        migrate_and_seed(env)
        made = patriot(["shell", "-c", SETUP_SCRIPT % {"units": UNITS}], env)
        if made.returncode != 0:
            raise RuntimeError(made.stderr[-2000:])
        taker_key, board_key = made.stdout.strip().splitlines()[-1].split()
        log(f"suggest: {UNITS} units, {runs} runs")
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.emergency_dispatch",
                "--suggest-child",
                str(work / "s.json"),
                "--runs",
                str(runs),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if child.returncode != 0:
            raise RuntimeError(child.stderr[-2000:])
        report["suggest"] = json.loads((work / "s.json").read_text())
        log(f"board: {args.clients} SSE clients, {events} incidents")
        servers = Servers(env, 1, set())
        try:
            report["board"] = asyncio.run(
                _board(servers.ports[0], f"sessionid={board_key}", f"sessionid={taker_key}", args.clients, events)
            )
        finally:
            servers.stop()
    finally:
        if not args.keep:
            pg_drop(DATABASE)
        shutil.rmtree(work, ignore_errors=True)
        out = args.out or ROOT / "var" / "bench" / f"emergency-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        write_json(out, report)
        log(f"JSON: {out}")
    print(render(report))


def render(report: dict[str, Any]) -> str:
    s, b = report.get("suggest") or {}, report.get("board") or {}
    return "\n".join(
        [
            f"PSC 119 dispatch (aims: suggest ≤ {AIM_SUGGEST_MS} ms median, new incident on every board p95 < "
            f"{AIM_P95_MS} ms)",
            f"  suggest among {s.get('units')} units ({s.get('database')}): median {s.get('suggest_median_ms')} ms, "
            f"p95 {s.get('suggest_p95_ms')} ms; bare query {s.get('baseline_median_ms')} ms; ratio {s.get('ratio')}×",
            f"  board: {b.get('clients')} clients × {b.get('events')} incidents: p50 {b.get('p50_ms')} ms, p95 "
            f"{b.get('p95_ms')} ms, max {b.get('max_ms')} ms, missing {b.get('missing')}; form POST median "
            f"{b.get('post_ms_median')} ms; /healthz p50 {b.get('baseline_healthz_p50_ms')} ms",
        ]
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
