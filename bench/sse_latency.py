"""Live-event latency: from a case being committed (and from its POST being sent) to its event reaching SSE clients.

Set-up (this process never imports Django): a PostgreSQL database `patriot_bench_sse`, migrated and
seeded afresh, a POC operator's session, and a private redis-server on a loopback port of 18150-18199.
Then, each on freshly started uvicorn processes:

  baseline  GET /healthz round trip (the plain HTTP cost on this machine now), at the start and per scenario
  1 client  one SSE client on one process
  one proc  N clients (default 500) on one process
  two proc  N clients split over two processes sharing events through Redis; cases are created
            alternately on either process, so half of all deliveries cross processes
  many      --many clients (default 2,000) the same way on two processes: every delivery counted

The SSE clients are asyncio protocols (one search per frame) in child processes of their own, one per 1,000
streams, so neither the poster nor one busy client loop delays what is measured; their CPU is reported. A case is
posted (POST /api/v1/cases) every PACE seconds. Per (client, event): "from commit" = the moment the client read the
frame (wall clock) − the event's `at` (the case's created_at, stamped just before its transaction: an upper bound
of the time from COMMIT); "from POST" = the same moment (perf_counter) − the POST being sent; "after answer" − the
201 coming back (can be negative: the event may beat the answer). Missing = clients × cases − (client, case) pairs
received. Writes JSON to --out (default var/bench/sse-<timestamp>.json).

    python -m bench.sse_latency [--clients 500] [--many 2000] [--events 40] [--quick] [--out FILE]
"""

# ruff: noqa: S603

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.common import (
    ROOT,
    VENV_BIN,
    CpuMeter,
    calibration_ms,
    load_average,
    log,
    median,
    percentile,
    process_tree_cpu_seconds,
    write_json,
)
from bench.httpload import _check_loopback, _read_response, build_post

HOST = "127.0.0.1"
PORTS = range(18150, 18200)
DATABASE = "patriot_bench_sse"
AIM_P95_MS = 100
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


# --- the SSE clients: asyncio protocols in child processes of their own ------------------------

MARKER = b'"subject_id":"'
AT_MARKER = b'"at":"'


class SseClient(asyncio.Protocol):
    """One stream, read with as little work as possible: per frame one search for the subject and one list append."""

    def __init__(self, index: int, request: bytes, sink: ClientSink) -> None:
        self.index = index
        self.request = request
        self.sink = sink
        self.buffer = b""
        self.head_done = False
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now, wall = time.perf_counter(), time.time()
        buffer = self.buffer + data
        if not self.head_done:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if b" 200 " not in buffer[: buffer.find(b"\r\n")] and not self.ready.done():
                self.ready.set_exception(RuntimeError(f"stream refused: {buffer[:200]!r}"))
            self.head_done = True
            buffer = buffer[end + 4 :]
        # Only whole frames (they end with a blank line); the rest waits for the next read.
        cut = buffer.rfind(b"\n\n")
        if cut < 0:
            self.buffer = buffer
            return
        self.buffer = buffer[cut + 2 :]
        if not self.ready.done() and b"retry:" in buffer:
            self.ready.set_result(None)
        start = buffer.find(MARKER, 0, cut)
        while start >= 0:
            start += len(MARKER)
            stop = buffer.index(b'"', start)
            self.sink.arrived(buffer[start:stop], self.index, now, wall, buffer, stop)
            start = buffer.find(MARKER, stop, cut)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(RuntimeError(f"stream closed before it started: {exc}"))


class ClientSink:
    """Arrivals of one client process: subject → [(client, perf_counter, wall clock)], and each subject's `at`."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[tuple[int, float, float]]] = {}
        self.stamped: dict[str, float] = {}

    def arrived(self, raw: bytes, client: int, now: float, wall: float, buffer: bytes, after: int) -> None:
        subject = raw.decode()
        seen = self.arrivals.get(subject)
        if seen is None:
            seen = self.arrivals[subject] = []
            # The event's `at` (the case's created_at: stamped just before its transaction) once per subject.
            at = buffer.find(AT_MARKER, after)
            if at >= 0:
                at += len(AT_MARKER)
                self.stamped[subject] = datetime.fromisoformat(buffer[at : buffer.index(b'"', at)].decode()).timestamp()
        seen.append((client, now, wall))


def _raise_fd_limit(needed: int) -> None:
    """Every stream is a socket: lift the soft open-files limit up to the hard one when `needed` is above it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (hard if hard == resource.RLIM_INFINITY else min(hard, needed), hard)
        )


def client_process(ports: list[int], first_index: int, cookie: str, conn: Connection) -> None:
    """Child process: open one stream per entry of `ports` and answer the parent's commands over `conn`."""
    _raise_fd_limit(len(ports) + 100)
    asyncio.run(_client_loop(ports, first_index, cookie, conn))


async def _client_loop(ports: list[int], first_index: int, cookie: str, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    sink = ClientSink()
    clients: list[SseClient] = []
    opened = time.perf_counter()
    try:
        for start in range(0, len(ports), 50):  # in waves, as browsers of a control room would connect
            wave = []
            for offset, port in enumerate(ports[start : start + 50]):
                request = (
                    f"GET /events/stream/ HTTP/1.1\r\nHost: {HOST}:{port}\r\nAccept: text/event-stream\r\n"
                    f"Cookie: {cookie}\r\nConnection: keep-alive\r\n\r\n"
                ).encode()
                client = SseClient(first_index + start + offset, request, sink)
                await loop.create_connection(lambda client=client: client, HOST, port)
                wave.append(client)
            await asyncio.wait_for(asyncio.gather(*(c.ready for c in wave)), 60)
            clients += wave
    except Exception as error:
        conn.send(("failed", repr(error)))
        return
    conn.send(("ready", time.perf_counter() - opened))
    cpu_from = time.process_time()
    wall_from = time.perf_counter()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command[0] == "wait":
            _, subjects, timeout = command
            deadline = time.perf_counter() + timeout
            while time.perf_counter() < deadline and any(
                len(sink.arrivals.get(subject, ())) < len(clients) for subject in subjects
            ):
                await asyncio.sleep(0.02)
            conn.send(("waited", sum(max(0, len(clients) - len(sink.arrivals.get(s, ()))) for s in subjects)))
        elif command[0] == "stop":
            cpu = time.process_time() - cpu_from
            wall = time.perf_counter() - wall_from
            for client in clients:
                if client.transport is not None:
                    client.transport.close()
            conn.send(("result", sink.arrivals, sink.stamped, cpu, wall))
            return


class ClientProcesses:
    """The SSE clients of one scenario, spread over `count` processes (the bench client must not be the bottleneck)."""

    def __init__(self, ports: list[int], cookie: str, clients: int, count: int) -> None:
        context = multiprocessing.get_context("fork")  # this process never imports Django
        assignment = [ports[i % len(ports)] for i in range(clients)]
        share = -(-clients // count)
        self.pipes: list[Connection] = []
        self.processes: list[multiprocessing.process.BaseProcess] = []
        for n in range(count):
            mine = assignment[n * share : (n + 1) * share]
            if not mine:
                continue
            parent, child = context.Pipe()
            process = context.Process(target=client_process, args=(mine, n * share, cookie, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def ready(self, timeout: float) -> float:
        """Seconds the slowest process took to open its streams."""
        slowest = 0.0
        for pipe in self.pipes:
            if not pipe.poll(timeout):
                raise RuntimeError(f"SSE clients not connected after {timeout}s")
            answer = pipe.recv()
            if answer[0] != "ready":
                raise RuntimeError(f"SSE clients failed: {answer[1]}")
            slowest = max(slowest, answer[1])
        return slowest

    async def wait_for(self, subjects: list[str], timeout: float) -> int:
        """Until every client has every one of `subjects` (or `timeout`); the deliveries still missing."""
        for pipe in self.pipes:
            pipe.send(("wait", subjects, timeout))
        loop = asyncio.get_running_loop()
        answers = await asyncio.gather(*(loop.run_in_executor(None, pipe.recv) for pipe in self.pipes))
        return sum(int(answer[1]) for answer in answers)

    def stop(self) -> tuple[dict[str, list[tuple[int, float, float]]], dict[str, float], float, float]:
        """Merged arrivals, `at` per subject, client CPU seconds (all processes) and the longest wall time."""
        arrivals: dict[str, list[tuple[int, float, float]]] = {}
        stamped: dict[str, float] = {}
        cpu = wall = 0.0
        for pipe in self.pipes:
            pipe.send(("stop",))
        for pipe in self.pipes:
            _, their_arrivals, their_stamps, their_cpu, their_wall = pipe.recv()
            for subject, seen in their_arrivals.items():
                arrivals.setdefault(subject, []).extend(seen)
            stamped.update(their_stamps)
            cpu += their_cpu
            wall = max(wall, their_wall)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
        return arrivals, stamped, cpu, wall

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()


# --- the poster and the baseline --------------------------------------------------------------


class Client:
    """One SSE client on the caller's own loop (bench.emergency_dispatch's boards; few streams, so cheap enough)."""

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


async def _scenario(
    ports: list[int], clients: ClientProcesses, count: int, events: int
) -> tuple[list[tuple[str, float, float]], int]:
    # Warm-up, not measured: one case per process (first request of a process, Redis subscriptions settling).
    warm = [(await _post_case(port))[0] for port in ports]
    await clients.wait_for(warm, 10)
    posts: list[tuple[str, float, float]] = []
    next_at = time.perf_counter()
    for n in range(events):
        posts.append(await _post_case(ports[n % len(ports)]))
        next_at += PACE_SECONDS
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    missing = await clients.wait_for([number for number, *_ in posts], 10)
    return posts, missing


def _figures(
    posts: list[tuple[str, float, float]],
    arrivals: dict[str, list[tuple[int, float, float]]],
    stamped: dict[str, float],
    clients: int,
) -> dict[str, Any]:
    from_post: list[float] = []
    after_answer: list[float] = []
    from_commit: list[float] = []
    duplicates = 0
    for number, sent, answered in posts:
        seen = arrivals.get(number, [])
        duplicates += len(seen) - len({client for client, _now, _wall in seen})
        at = stamped.get(number)
        for _client, now, wall in seen:
            from_post.append((now - sent) * 1000)
            after_answer.append((now - answered) * 1000)
            if at is not None:
                from_commit.append((wall - at) * 1000)
    delivered = sum(len({client for client, _n, _w in arrivals.get(number, [])}) for number, *_ in posts)
    return {
        "deliveries": delivered,
        "missing": clients * len(posts) - delivered,
        "duplicates": duplicates,
        "post_ms_median": round(median((answered - sent) * 1000 for _n, sent, answered in posts), 1),
        "commit_p50_ms": round(percentile(from_commit, 50), 1),
        "commit_p95_ms": round(percentile(from_commit, 95), 1),
        "commit_max_ms": round(max(from_commit, default=float("nan")), 1),
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


def client_processes_for(clients: int) -> int:
    """One client process per 1,000 streams (at least one, apart from the poster's)."""
    return max(1, -(-clients // 1000))


def run_scenario(
    name: str, env: dict[str, str], processes: int, clients: int, events: int, cookie: str, taken: set[int]
) -> dict[str, Any]:
    spread = client_processes_for(clients)
    log(f"{name}: {clients} client(s) in {spread} process(es) on {processes} server process(es), {events} cases")
    servers = Servers(env, processes, taken)
    connected: ClientProcesses | None = None
    try:
        # The plain HTTP cost right now on this scenario's own server, before any stream is open.
        trips = [t * 1000 for t in asyncio.run(_round_trips(servers.ports[0], 100))]
        connected = ClientProcesses(servers.ports, cookie, clients, spread)
        connect_seconds = connected.ready(timeout=300)
        load_before = load_average()
        server_cpu_before = sum(process_tree_cpu_seconds(p.pid) for p in servers.processes)
        with CpuMeter(tree_pid=servers.processes[0].pid) as cpu:
            posts, missing_after_wait = asyncio.run(_scenario(servers.ports, connected, clients, events))
        server_cpu = sum(process_tree_cpu_seconds(p.pid) for p in servers.processes) - server_cpu_before
        arrivals, stamped, client_cpu, client_wall = connected.stop()
        connected = None
        result: dict[str, Any] = {
            "clients": clients,
            "processes": processes,
            "client_processes": spread,
            "events": events,
            "connect_seconds": round(connect_seconds, 1),
            **_figures(posts, arrivals, stamped, clients),
            "missing_when_waiting_ended": missing_after_wait,
            "healthz_p50_ms": round(percentile(trips, 50), 2),
            "healthz_p95_ms": round(percentile(trips, 95), 2),
        }
        result["commit_p95_to_healthz_p50"] = round(result["commit_p95_ms"] / result["healthz_p50_ms"], 1)
        result["server_cores"] = round(server_cpu / cpu.wall, 2)
        result["client_cores"] = round(client_cpu / client_wall, 2) if client_wall else float("nan")
        result["poster_cores"] = round(cpu.self_cores, 2)
        result["machine_cores_busy"] = round(cpu.machine_cores, 2)
        result["load_average"] = load_before
        result["load_average_after"] = load_average()
        log(
            f"{name}: from commit p50 {result['commit_p50_ms']} / p95 {result['commit_p95_ms']} ms, from POST p50 "
            f"{result['p50_ms']} / p95 {result['p95_ms']} ms, missing {result['missing']}, load {load_before}"
        )
        return result
    finally:
        if connected is not None:
            connected.kill()
        servers.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sse_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument(
        "--many", type=int, default=2000, help="clients of the last scenario, two processes + Redis (0: skip it)"
    )
    parser.add_argument("--events", type=int, default=None, help="cases per scenario (default 40; quick 12)")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    events = args.events or (12 if args.quick else 40)
    # The servers (started from here) and this process hold a socket per stream.
    _raise_fd_limit(max(args.clients, args.many) + 200)
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
        if args.many:
            scenarios[f"two_processes_redis_{args.many}_clients"] = run_scenario(
                "two processes + Redis, many clients", with_redis, 2, args.many, events, cookie, taken
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
        f"SSE latency, case committed / POST sent → event read by every client (aim p95 from commit ≤ {AIM_P95_MS} ms); "
        f"load {report['machine_at_start']['load_average']}, calibration {report['machine_at_start']['calibration_ms']:.0f} ms",
        f"  baseline GET /healthz round trip: p50 {base.get('p50')} ms, p95 {base.get('p95')} ms",
        f"  {'scenario':<34} {'clients':>7} {'missing':>7} {'commit p50/p95':>15} {'POST p50/p95':>14} "
        f"{'healthz':>7} {'ratio':>5} {'POST ms':>7} {'srv/cli cores':>13} {'load':>5}",
    ]
    for name, r in report["scenarios"].items():
        lines.append(
            f"  {name:<34} {r['clients']:>7} {r['missing']:>7} {r['commit_p50_ms']:>7}/{r['commit_p95_ms']:<7} "
            f"{r['p50_ms']:>6}/{r['p95_ms']:<7} {r['healthz_p50_ms']:>7} {r['commit_p95_to_healthz_p50']:>5} "
            f"{r['post_ms_median']:>7} {r['server_cores']:>6}/{r['client_cores']:<6} {r['load_average'][0]:>5}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
