"""Live-event latency: from a case being created over HTTP to its event reaching connected SSE clients.

Set-up (this process never imports Django): a PostgreSQL database `patriot_bench_sse`, migrated and
seeded afresh, a POC operator's session, and a private redis-server on a loopback port of 18150-18199.
Then, each on freshly started uvicorn processes:

  baseline  GET /healthz round trip (the plain HTTP cost on this machine now)
  1 client  one SSE client on one process
  one proc  N clients (default 500) on one process
  two proc  N clients split over two processes sharing events through Redis; cases are created
            alternately on either process, so half of all deliveries cross processes

Each case is posted (POST /api/v1/cases) every PACE seconds from the same asyncio loop that reads the
streams; latency = the moment a client has read the event's frame − the moment the POST was sent, per
(client, event). "after answer" subtracts the moment the 201 came back instead (can be negative: the
event may beat the answer). Writes JSON to --out (default var/bench/sse-<timestamp>.json).

    python -m bench.sse_latency [--clients 500] [--events 40] [--quick] [--out FILE]
"""

# ruff: noqa: S603

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.common import ROOT, VENV_BIN, CpuMeter, calibration_ms, load_average, log, median, percentile, write_json
from bench.httpload import _check_loopback, _read_response, build_post

HOST = "127.0.0.1"
PORTS = range(18150, 18200)
DATABASE = "patriot_bench_sse"
AIM_P95_MS = 200
PACE_SECONDS = 0.25
CASE = {
    "category": "saluran-tersumbat",
    "description": "Saluran air tersumbat sampah, air meluap ke jalan (uji latensi).",
    "latitude": -6.251143,
    "longitude": 107.0043,
}
SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from patriot.accounts.models import User
user, _ = User.objects.get_or_create(username="bench-poc", defaults={"role": "poc_operator"})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "patriot.accounts.backends.ThrottledModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


def free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError("no free port in 18150-18199")


def wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on {port} exited with {process.returncode}")
        try:
            with socket.create_connection((HOST, port), timeout=0.3):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on {port} after {timeout}s")


class Servers:
    """uvicorn processes (one worker each) started for one scenario and stopped after it."""

    def __init__(self, env: dict[str, str], count: int, taken: set[int]) -> None:
        self.ports = [free_port(taken) for _ in range(count)]
        self.processes = [
            subprocess.Popen(
                [
                    *(str(VENV_BIN / "uvicorn"), "patriot.asgi:application", "--host", HOST, "--port", str(port)),
                    *("--lifespan", "off", "--no-access-log", "--log-level", "warning"),
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
            for port in self.ports
        ]
        for port, process in zip(self.ports, self.processes, strict=True):
            wait_for_port(port, 60, process)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- the asyncio side: SSE clients and the poster ---------------------------------------------


class Client:
    def __init__(self, port: int, cookie: str, arrivals: dict[str, list[float]]) -> None:
        self.port = port
        self.cookie = cookie
        self.arrivals = arrivals
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection(HOST, self.port)
        writer.write(
            (
                f"GET /events/stream/ HTTP/1.1\r\nHost: {HOST}:{self.port}\r\nAccept: text/event-stream\r\n"
                f"Cookie: {self.cookie}\r\nConnection: keep-alive\r\n\r\n"
            ).encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        marker = b'"subject_id":"'
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"retry:") and not self.ready.is_set():
                    self.ready.set()
                elif (start := line.find(marker)) >= 0:
                    now = time.perf_counter()
                    start += len(marker)
                    subject = line[start : line.index(b'"', start)].decode()
                    self.arrivals.setdefault(subject, []).append(now)
        finally:
            writer.close()


async def _post_case(port: int) -> tuple[str, float, float]:
    reader, writer = await asyncio.open_connection(HOST, port)
    request = build_post(HOST, port, "/api/v1/cases", json.dumps(CASE).encode())
    sent = time.perf_counter()
    writer.write(request)
    status, body, _keep = await _read_response(reader)
    answered = time.perf_counter()
    writer.close()
    if status != 201:
        raise RuntimeError(f"POST /api/v1/cases answered {status}: {body[:200]!r}")
    return json.loads(body)["tracking_number"], sent, answered


async def _round_trips(port: int, count: int) -> list[float]:
    reader, writer = await asyncio.open_connection(HOST, port)
    times = []
    for _ in range(count):
        start = time.perf_counter()
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: keep-alive\r\n\r\n".encode())
        await _read_response(reader)
        times.append(time.perf_counter() - start)
    writer.close()
    return times


async def _scenario(ports: list[int], cookie: str, clients: int, events: int) -> dict[str, Any]:
    arrivals: dict[str, list[float]] = {}
    connected = [Client(ports[i % len(ports)], cookie, arrivals) for i in range(clients)]
    opened = time.perf_counter()
    for start in range(0, clients, 50):  # connect in waves, as browsers of a control room would
        batch = connected[start : start + 50]
        for client in batch:
            client.task = asyncio.get_running_loop().create_task(client.run())
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in batch)), 60)
    connect_seconds = time.perf_counter() - opened
    # Warm-up, not measured: one case per process (first request of a process, Redis subscriptions settling).
    for port in ports:
        number, _sent, _answered = await _post_case(port)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and len(arrivals.get(number, [])) < clients:
            await asyncio.sleep(0.02)
    posts: list[tuple[str, float, float]] = []
    next_at = time.perf_counter()
    for n in range(events):
        posts.append(await _post_case(ports[n % len(ports)]))
        next_at += PACE_SECONDS
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    deadline = time.perf_counter() + 10
    while time.perf_counter() < deadline and any(len(arrivals.get(number, [])) < clients for number, *_ in posts):
        await asyncio.sleep(0.05)
    for client in connected:
        assert client.task is not None
        client.task.cancel()
    await asyncio.gather(*(c.task for c in connected if c.task), return_exceptions=True)
    from_post = [(t - sent) * 1000 for number, sent, _ans in posts for t in arrivals.get(number, [])]
    after_answer = [(t - answered) * 1000 for number, _sent, answered in posts for t in arrivals.get(number, [])]
    expected = clients * events
    return {
        "clients": clients,
        "processes": len(ports),
        "events": events,
        "deliveries": len(from_post),
        "missing": expected - len(from_post),
        "connect_seconds": round(connect_seconds, 2),
        "post_ms_median": round(median((answered - sent) * 1000 for _n, sent, answered in posts), 1),
        "p50_ms": round(percentile(from_post, 50), 1),
        "p95_ms": round(percentile(from_post, 95), 1),
        "max_ms": round(max(from_post, default=float("nan")), 1),
        "after_answer_p50_ms": round(percentile(after_answer, 50), 1),
        "after_answer_p95_ms": round(percentile(after_answer, 95), 1),
    }


# --- orchestration ----------------------------------------------------------------------------


def prepare_database(work: Path) -> tuple[str, dict[str, str], str]:
    from bench.run import child_env, migrate_and_seed, patriot, pg_available, pg_create, pg_drop, pg_url

    if why := pg_available():
        raise SystemExit(f"PostgreSQL is needed for this benchmark: {why}")
    pg_drop(DATABASE)
    pg_create(DATABASE)
    url = pg_url(DATABASE)
    env = child_env(url, work / "var")
    # One key for the servers and the command that makes the session (a throw-away database).
    env["PATRIOT_SECRET_KEY"] = "bench-sse-latency-key"  # noqa: S105
    # Every client connects from loopback: lift the per-address and per-process stream caps above the clients.
    env["PATRIOT_SSE_MAX_STREAMS_PER_CLIENT"] = env["PATRIOT_SSE_MAX_STREAMS"] = "10000"
    migrate_and_seed(env)
    made = patriot(["shell", "-c", SESSION_SCRIPT], env)
    if made.returncode != 0:
        raise RuntimeError(made.stderr[-2000:])
    return url, env, f"sessionid={made.stdout.strip().splitlines()[-1]}"


def run_scenario(
    name: str, env: dict[str, str], processes: int, clients: int, events: int, cookie: str, taken: set[int]
) -> dict[str, Any]:
    log(f"{name}: {clients} client(s) on {processes} process(es), {events} cases")
    servers = Servers(env, processes, taken)
    try:
        with CpuMeter(tree_pid=servers.processes[0].pid) as cpu:
            result = asyncio.run(_scenario(servers.ports, cookie, clients, events))
        result["server_cores_first_process"] = round(cpu.tree_cores, 2)
        result["bench_client_cores"] = round(cpu.self_cores, 2)
        result["machine_cores_busy"] = round(cpu.machine_cores, 2)
        log(f"{name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, missing {result['missing']}")
        return result
    finally:
        servers.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sse_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--events", type=int, default=None, help="cases per scenario (default 40; quick 12)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    events = args.events or (12 if args.quick else 40)
    _check_loopback(HOST)
    redis_server = shutil.which("redis-server") or "/usr/bin/redis-server"
    work = Path(tempfile.mkdtemp(prefix="patriot-bench-sse-"))
    taken: set[int] = set()
    report: dict[str, Any] = {
        "started": datetime.now().astimezone().isoformat(timespec="seconds"),
        "aim_p95_ms": AIM_P95_MS,
        "pace_seconds": PACE_SECONDS,
        "machine_at_start": {
            "load_average": load_average(),
            "calibration_ms": calibration_ms(),
            "cores": os.cpu_count(),
        },
        "scenarios": {},
    }
    redis = None
    try:
        _url, env, cookie = prepare_database(work)
        env.pop("PATRIOT_REDIS_URL", None)
        servers = Servers(env, 1, taken)
        try:
            trips = asyncio.run(_round_trips(servers.ports[0], 300))
        finally:
            servers.stop()
        report["baseline_http_round_trip_ms"] = {
            "p50": round(percentile([t * 1000 for t in trips], 50), 2),
            "p95": round(percentile([t * 1000 for t in trips], 95), 2),
        }
        scenarios = report["scenarios"]
        scenarios["one_process_1_client"] = run_scenario("1 client", env, 1, 1, events, cookie, taken)
        scenarios[f"one_process_{args.clients}_clients"] = run_scenario(
            "one process", env, 1, args.clients, events, cookie, taken
        )
        redis_port = free_port(taken)
        redis = subprocess.Popen(
            [redis_server, "--port", str(redis_port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(redis_port, 10, redis)
        with_redis = {**env, "PATRIOT_REDIS_URL": f"redis://{HOST}:{redis_port}/0"}
        scenarios[f"two_processes_redis_{args.clients}_clients"] = run_scenario(
            "two processes + Redis", with_redis, 2, args.clients, events, cookie, taken
        )
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        if not args.keep:
            from bench.run import pg_drop

            pg_drop(DATABASE)
        shutil.rmtree(work, ignore_errors=True)
        out = args.out or ROOT / "var" / "bench" / f"sse-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        write_json(out, report)
        log(f"JSON: {out}")
    print(render(report))


def render(report: dict[str, Any]) -> str:
    base = report.get("baseline_http_round_trip_ms", {})
    lines = [
        f"SSE latency, case POST → event read by every client (aim p95 < {AIM_P95_MS} ms); "
        f"load {report['machine_at_start']['load_average']}, calibration {report['machine_at_start']['calibration_ms']:.0f} ms",
        f"  baseline GET /healthz round trip: p50 {base.get('p50')} ms, p95 {base.get('p95')} ms",
        f"  {'scenario':<34} {'clients':>7} {'deliveries':>10} {'missing':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'POST ms':>7} {'srv cores':>9}",
    ]
    for name, r in report["scenarios"].items():
        lines.append(
            f"  {name:<34} {r['clients']:>7} {r['deliveries']:>10} {r['missing']:>7} {r['p50_ms']:>7} {r['p95_ms']:>7} "
            f"{r['max_ms']:>7} {r['post_ms_median']:>7} {r['server_cores_first_process']:>9}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
