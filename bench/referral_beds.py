"""Sirine bed board benchmark (issue 12 item 12: "bed board for all hospitals: ≤ 50 ms server time; suggestion of
receiving hospitals: ≤ 20 ms; a referral sent to a hospital appears on its open screens: p95 < 200 ms").

Runs in a child process (PATRIOT_DATABASE_URL points at a migrated database seeded with the reference data, which
holds the city's 51 hospitals); this module adds the demo beds (every hospital's bed types, 30 days of history)
when the database has none. Each URL is fetched through Django's test client (the whole middleware stack, view,
queries and template; no network) by an anonymous visitor: the board with its cache emptied, cached, and right
after a real change (one hospital's ICU figure tapped by its staff through services.tap, untimed, just before the
fetch; the next hospital each time), the public JSON (GET /api/v1/referrals/beds) the same three ways, `--runs` times
after 3 warm-ups, round-robin with the baseline GET /masuk/ (the sign-in page: the same stack and base template, no
data) so a busy machine slows both alike; in the same rounds, `services.suggest()` for a puskesmas's ICU referral among the demo beds. Medians and p95.

Live: one uvicorn process on this database (bench.sse_latency.Servers); `--clients` SSE clients signed in as one
hospital's staff on /events/stream/ (its open screens); a puskesmas's staff sends `--events` referrals to that
hospital through the referral page's form (POST /rujukan/<id>/kirim/, bench.emergency_dispatch.post_form) every
PACE seconds; latency = the moment a client has read the referral's frame − the moment the POST was sent, per
(client, referral). Baseline: GET /healthz round trips on the same server.

    python -m bench.referral_beds --out FILE [--runs 30] [--clients 20] [--events 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import django_setup, load_average, log, median, percentile, time_call, write_json

AIM_MS = 50.0
AIM_SUGGEST_MS = 20.0
AIM_LIVE_P95_MS = 200.0
PACE_SECONDS = 0.25
SUGGEST = "suggest receiving hospitals (services.suggest)"
BASELINE = "baseline: GET /masuk/ (plain page)"
ALL = "/tempat-tidur/"
ICU = "/tempat-tidur/?jenis=icu"
API = "/api/v1/referrals/beds"
BOARD = "bed board, all hospitals"
AFTER_CHANGE = "bed board, all hospitals, after a change"
URLS = {
    # Each round: the cache emptied, then the board cached, then one hospital's ICU figure changed by a tap before
    # each of the two "after a change" lines (a real change: BedCount, BedChange and the outbox event written).
    "bed board, all hospitals, cache emptied": ALL,
    BOARD: ALL,
    AFTER_CHANGE: ALL,
    "bed board, ICU only, after a change": ICU,
    # The public JSON like the page: its cache emptied, cached, after a change (the line before it changed nothing).
    "bed board API (JSON), cache emptied": API,
    "bed board API (JSON)": API,
    "bed board API (JSON), after a change": API,
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


def _session(user: Any) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "patriot.accounts.backends.ThrottledModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _bed_changer() -> Any:
    """A function that changes one hospital's ICU occupancy by one tap of its staff (the next hospital each time),
    as the phone page does."""
    from itertools import cycle

    from patriot.accounts.choices import RoleChoices
    from patriot.accounts.models import User
    from patriot.referrals import services
    from patriot.referrals.models import BedCount

    beds = list(BedCount.objects.filter(bed_type="icu", total__gt=0).select_related("facility__unit"))
    staff = {
        bed.pk: User.objects.get_or_create(
            username=f"bench-icu-{bed.facility.unit.code}"[:150],
            defaults={"role": RoleChoices.HOSPITAL_STAFF, "unit": bed.facility.unit},
        )[0]
        for bed in beds
    }
    turn = cycle(beds)

    def change() -> None:
        bed = next(turn)
        bed.refresh_from_db()
        delta = 1 if bed.occupied + bed.reserved < bed.total else -1
        services.tap(staff[bed.pk], bed.facility, "icu", "occupied", delta)

    return change


def prepare_referrals(count: int) -> dict[str, Any]:
    """A puskesmas's staff member and `count` + 1 draft ICU referrals of it; a hospital with ICU beds and a staff
    member of it; their session cookies."""
    from patriot.accounts.choices import RoleChoices, UnitKindChoices
    from patriot.accounts.models import User
    from patriot.referrals import services
    from patriot.referrals.models import BedCount, Facility

    puskesmas = Facility.objects.filter(unit__kind=UnitKindChoices.PUSKESMAS, unit__is_active=True).first()
    bed = BedCount.objects.filter(bed_type="icu", facility__unit__kind=UnitKindChoices.HOSPITAL).first()
    if puskesmas is None or bed is None:
        raise SystemExit("the seed has no puskesmas or no hospital with ICU beds")
    staff = RoleChoices.HOSPITAL_STAFF
    referrer, _new = User.objects.get_or_create(
        username="bench-puskesmas", defaults={"role": staff, "unit": puskesmas.unit}
    )
    receiver, _new = User.objects.get_or_create(
        username="bench-hospital", defaults={"role": staff, "unit": bed.facility.unit}
    )
    details = services.ReferralDetails(
        patient_name="Pasien Bench",
        nik="3275014303900007",  # a woman born 3 March 1990
        birth_date=date(1990, 3, 3),
        sex="female",
        relative_phone="0812-3456-7890",
        reason="Uji latensi",
        diagnoses=["I63"],
        consciousness="voice",
        bed_type="icu",
        urgency="urgent",
        referring_doctor="dr. Bench",
        primary_care_acknowledged=True,
    )
    drafts = [services.create_referral(referrer, details) for _ in range(count + 1)]
    return {
        "drafts": drafts,
        "hospital": bed.facility,
        "referrer_cookie": _session(referrer),
        "receiver_cookie": _session(receiver),
    }


def measure(runs: int, suggest_for: Any = None) -> dict[str, Any]:
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
    calls["board query alone (queries.board_hospitals)"] = queries.board_hospitals
    change = _bed_changer()
    # Run untimed just before a line's timed call.
    before: dict[str, Any] = {
        "bed board, all hospitals, cache emptied": cache.clear,
        AFTER_CHANGE: change,
        "bed board, ICU only, after a change": change,
        "bed board API (JSON), cache emptied": cache.clear,
        "bed board API (JSON), after a change": change,
    }
    if suggest_for is not None:
        from patriot.referrals import services

        calls[SUGGEST] = lambda: services.suggest(suggest_for)
    for _ in range(3):
        for name, call in calls.items():
            if name in before:
                before[name]()
            call()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            if name in before:
                before[name]()
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
    board = max(results[name]["median_ms"] for name in (BOARD, AFTER_CHANGE))
    suggest = results.get(SUGGEST, {}).get("median_ms")
    return {
        "runs": runs,
        "aim_ms": AIM_MS,
        "meets_aim": board <= AIM_MS,
        "aim_suggest_ms": AIM_SUGGEST_MS,
        "suggest_meets_aim": None if suggest is None else suggest <= AIM_SUGGEST_MS,
        "results": results,
        "timings_ms": timings,
    }


async def _live(port: int, prepared: dict[str, Any], clients: int, events: int) -> dict[str, Any]:
    from bench.emergency_dispatch import CSRF, post_form
    from bench.sse_latency import Client, _round_trips

    trips = await _round_trips(port, 200)
    arrivals: dict[str, list[float]] = {}
    screens = [Client(port, prepared["receiver_cookie"], arrivals) for _ in range(clients)]
    for start in range(0, clients, 10):  # screens open one after another, not in one instant
        batch = screens[start : start + 10]
        for client in batch:
            client.task = asyncio.get_running_loop().create_task(client.run())
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in batch)), 60)
    form = {"hospital": str(prepared["hospital"].pk), "csrfmiddlewaretoken": CSRF}

    async def send(referral: Any) -> tuple[str, float, float]:
        _location, sent, answered = await post_form(
            port, prepared["referrer_cookie"], f"/rujukan/{referral.pk}/kirim/", form
        )
        return str(referral.pk), sent, answered

    warm, *measured = prepared["drafts"]
    pk, _sent, _answered = await send(warm)  # warm-up, not measured
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and len(arrivals.get(pk, [])) < clients:
        await asyncio.sleep(0.02)
    posts = []
    next_at = time.perf_counter()
    for referral in measured[:events]:
        posts.append(await send(referral))
        next_at += PACE_SECONDS
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(len(arrivals.get(pk, [])) < clients for pk, *_ in posts):
        await asyncio.sleep(0.05)
    for client in screens:
        if client.task is not None:
            client.task.cancel()
    await asyncio.gather(*(c.task for c in screens if c.task), return_exceptions=True)
    latencies = [(t - sent) * 1000 for pk, sent, _a in posts for t in arrivals.get(pk, [])]
    return {
        "clients": clients,
        "events": len(posts),
        "deliveries": len(latencies),
        "missing": clients * len(posts) - len(latencies),
        "post_ms_median": round(median((a - s) * 1000 for _pk, s, a in posts), 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies, default=float("nan")), 1),
        "baseline_healthz_p50_ms": round(percentile([t * 1000 for t in trips], 50), 2),
        "aim_p95_ms": AIM_LIVE_P95_MS,
        "meets_aim": bool(latencies) and percentile(latencies, 95) < AIM_LIVE_P95_MS,
    }


def live(prepared: dict[str, Any], clients: int, events: int) -> dict[str, Any]:
    from django.db import connection

    from bench.sse_latency import Servers

    connection.close()  # the server writes to this database; this process holds nothing open meanwhile
    env = dict(os.environ)
    env["PATRIOT_SSE_MAX_STREAMS_PER_CLIENT"] = env["PATRIOT_SSE_MAX_STREAMS"] = "10000"
    servers = Servers(env, 1, set())
    try:
        return asyncio.run(_live(servers.ports[0], prepared, clients, events))
    finally:
        servers.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args(argv)
    django_setup()
    from django.db import connection

    started = time.perf_counter()
    data: dict[str, Any] = {"vendor": connection.vendor, "dataset": ensure_beds()}
    data["load_average_at_start"] = load_average()
    prepared = prepare_referrals(args.events)
    log(f"measuring the bed board × {args.runs} on {data['dataset']}")
    data.update(measure(args.runs, suggest_for=prepared["drafts"][0]))
    log(f"live: {args.clients} SSE screens of one hospital, {args.events} referrals sent to it")
    try:
        data["live"] = live(prepared, args.clients, args.events)
    except (RuntimeError, OSError, TimeoutError) as error:
        data["live"] = {"error": str(error)}
    data["load_average_at_end"] = load_average()
    data["seconds"] = time.perf_counter() - started
    for name, row in data["results"].items():
        log(
            f"{name:44} median {row['median_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  ×{row['ratio_to_baseline']:.1f}"
        )
    live_row = data["live"]
    log(f"live: {live_row}")
    write_json(args.out, data)


if __name__ == "__main__":
    main()
