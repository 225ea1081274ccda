"""A small closed-loop HTTP/1.1 load generator on asyncio streams (keep-alive, N concurrent connections).

Hand-written rather than httpx so that the client costs a few percent of a core at 500+ requests/s and
does not steal the 2 cores from the server it measures; its own CPU use is reported next to the figures.
Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LoadResult:
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, of successful (2xx) requests
    errors: int = 0  # connection-level failures
    elapsed: float = 0.0
    sample_failure: str = ""
    tracking_numbers: list[str] = field(default_factory=list)  # from the bodies of successful answers

    def ok(self, expected: int) -> int:
        return self.statuses.get(expected, 0)


_TRACKING = re.compile(rb'"tracking_number"\s*:\s*"([^"]+)"')


def _check_loopback(host: str) -> None:
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"The benchmark only sends traffic to loopback addresses, not {host}")


def build_post(host: str, port: int, path: str, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        "Accept: application/json",
        f"Content-Length: {len(body)}",
        "Connection: keep-alive",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def build_get(host: str, port: int, path: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept: application/json", "Connection: keep-alive"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep_alive) of one response; handles Content-Length and chunked bodies."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    else:
        body = await reader.read()
        return status, body, False
    return status, body, headers.get("connection", "").lower() != "close"


class _Connection:
    """One keep-alive connection of a simulated client: opened on first use, and again after a failure or an answer
    with `Connection: close`."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def send(self, payload: bytes) -> tuple[int, bytes, float] | Exception:
        """(status, body, seconds from the write to the whole answer), or the connection-level error (the connection
        is then closed)."""
        try:
            await self.open()
            start = time.perf_counter()
            self.writer.write(payload)  # type: ignore[union-attr]  # opened above
            status, body, keep_alive = await _read_response(self.reader)  # type: ignore[arg-type]  # opened above
            latency = time.perf_counter() - start
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            self.close()
            return error
        if not keep_alive:
            self.close()
        return status, body, latency


@dataclass
class _Tally:
    """Where one kind of request's outcomes are counted (shared by the closed-loop and the wave clients)."""

    statuses: dict[int, int]
    latencies: list[float]
    failures: Any  # has `errors` and `sample_failure` (LoadResult, WaveResult)
    label: str = ""

    def count(self, outcome: tuple[int, bytes, float] | Exception, expected: int) -> bytes | None:
        """Count `outcome`; the body of an answer with the expected status, else None."""
        if isinstance(outcome, Exception):
            self.failures.errors += 1
            if not self.failures.sample_failure:
                self.failures.sample_failure = f"{type(outcome).__name__}: {outcome}"
            return None
        status, body, latency = outcome
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status == expected:
            self.latencies.append(latency)
            return body
        if not self.failures.sample_failure:
            self.failures.sample_failure = f"{self.label}HTTP {status}: {body[:300].decode('utf-8', 'replace')}"
        return None


async def _run(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int,
    expected: int,
    distinct: bool = False,
) -> LoadResult:
    result = LoadResult()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    tally = _Tally(result.statuses, result.latencies, result)

    async def worker(offset: int) -> None:
        link = _Connection(host, port)
        for n in counter:
            if time.perf_counter() >= deadline:
                break
            # `distinct`: each prepared request is sent once, in order (requests that must not repeat, such as
            # inspections with their own idempotency keys); otherwise spread round-robin over the list.
            payload = requests[n % len(requests)] if distinct else requests[(n * 7 + offset) % len(requests)]
            outcome = await link.send(payload)
            result.requests += 1
            body = tally.count(outcome, expected)
            if body is not None and (found := _TRACKING.search(body)):
                result.tracking_numbers.append(found.group(1).decode())
            if isinstance(outcome, Exception):
                await asyncio.sleep(0.05)
        link.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    result.elapsed = time.perf_counter() - start
    return result


def run_load(
    host: str,
    port: int,
    requests: list[bytes],
    *,
    concurrency: int,
    seconds: float,
    max_requests: int = 10**9,
    expected: int = 201,
    distinct: bool = False,
) -> LoadResult:
    """Send the prepared raw requests round-robin from `concurrency` keep-alive connections for `seconds`."""
    _check_loopback(host)
    return asyncio.run(
        _run(
            host,
            port,
            requests,
            concurrency=concurrency,
            seconds=seconds,
            max_requests=max_requests,
            expected=expected,
            distinct=distinct,
        )
    )


@dataclass
class WaveResult:
    """Latencies (seconds, successful answers only) of each kind of request sent in waves."""

    waves: int = 0
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    wave_seconds: dict[str, list[float]] = field(default_factory=dict)  # first send → last answer of each wave
    errors: int = 0
    sample_failure: str = ""


async def _waves(
    host: str,
    port: int,
    kinds: dict[str, tuple[list[list[bytes]], int]],
    *,
    connections: int,
    waves: int,
    pause: float,
) -> WaveResult:
    result = WaveResult(waves=waves)
    links = [_Connection(host, port) for _n in range(connections)]
    for link in links:
        await link.open()

    async def send(index: int, payload: bytes, kind: str, expected: int) -> None:
        tally = _Tally(
            result.statuses.setdefault(kind, {}), result.latencies.setdefault(kind, []), result, label=f"{kind} "
        )
        tally.count(await links[index].send(payload), expected)

    try:
        for wave in range(waves):
            for kind, (per_connection, expected) in kinds.items():
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        send(i, per_connection[i][wave % len(per_connection[i])], kind, expected)
                        for i in range(connections)
                    )
                )
                result.wave_seconds.setdefault(kind, []).append(time.perf_counter() - started)
                await asyncio.sleep(pause)
    finally:
        for link in links:
            link.close()
    return result


def run_waves(
    host: str,
    port: int,
    kinds: dict[str, tuple[list[list[bytes]], int]],
    *,
    connections: int,
    waves: int,
    pause: float,
) -> WaveResult:
    """`connections` keep-alive connections (one per simulated user) send in waves: in each wave, for each kind in
    turn (e.g. inspections, then /healthz), every connection sends its next request of that kind at the same
    instant; the wave waits for all the answers, then pauses `pause` seconds. `kinds` maps a name to (requests per
    connection — each connection's list is sent in order, one per wave — and the expected status)."""
    _check_loopback(host)
    return asyncio.run(_waves(host, port, kinds, connections=connections, waves=waves, pause=pause))
