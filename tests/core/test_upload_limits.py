"""Uploads cannot exhaust a real uvicorn process: body cap before reading, pixel cap, bounded decodes, photo rate."""

from __future__ import annotations

import os
import select
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import httpx
import pytest

from tests.private_servers import CASE, AppServer

PYTHON_BIN = Path(sys.executable).parent
MEGABYTE = 1024 * 1024
RSS_BOUND_KB = 600 * 1024

pytestmark = pytest.mark.slow


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def rgba_png(width: int, height: int) -> bytes:
    """A transparent 8-bit RGBA PNG: a few hundred kilobytes that decode to width × height × 4 bytes."""
    row = b"\x00" * (1 + 4 * width)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row * 100) for _ in range(height // 100))
    body += compressor.compress(row * (height % 100)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


class Server(AppServer):
    """`uvicorn patriot.asgi:application` in a process of its own, on a seeded SQLite database of its own."""

    def __init__(self, var_dir: Path) -> None:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PATRIOT_")}
        env.update(
            PATRIOT_VAR_DIR=str(var_dir),
            PATRIOT_INTAKE_RATE_PER_MINUTE="100000",
            PATRIOT_PHOTO_RATE_PER_MINUTE="100000",
        )
        for command in (["migrate", "--noinput"], ["seed"]):
            subprocess.run([str(PYTHON_BIN / "patriot"), *command], env=env, check=True, capture_output=True)  # noqa: S603
        super().__init__(env)

    def memory_kb(self, field: str) -> int:
        """VmHWM (the peak resident set) or VmRSS of the server process, in kB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"{field} missing from /proc/{self.process.pid}/status")

    def new_case(self) -> tuple[str, str]:
        answer = httpx.post(f"{self.base}/api/v1/cases", json=CASE, timeout=30)
        assert answer.status_code == 201, answer.text
        return answer.json()["tracking_number"], answer.json()["reporter_key"]

    def add_photo(self, case: tuple[str, str], name: str, content: bytes) -> httpx.Response:
        number, key = case
        return httpx.post(
            f"{self.base}/api/v1/public/cases/{number}/photos",
            files={"photos": (name, content, "image/png")},
            headers={"X-Reporter-Key": key},
            timeout=120,
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("uploads-var"))
    try:
        yield running
    finally:
        running.stop()


def _parallel(server: Server, content: bytes, name: str) -> list[httpx.Response]:
    cases = [server.new_case() for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda case: server.add_photo(case, name, content), cases))


def test_four_parallel_decompression_bombs_keep_the_process_small(server: Server) -> None:
    bomb = rgba_png(7000, 7000)  # 49 Mpx: 196 MB once decoded, in a few hundred kB
    assert len(bomb) < MEGABYTE
    answers = _parallel(server, bomb, "bom.png")
    assert [a.status_code for a in answers] == [400] * 4, [a.text for a in answers]
    assert {a.json()["code"] for a in answers} == {"photo_pixels"}
    # Photos at the cap (20 Mpx, 80 MB each as RGBA) are decoded, a bounded number at a time.
    answers = _parallel(server, rgba_png(5000, 4000), "layar.png")
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    peak, now = server.memory_kb("VmHWM"), server.memory_kb("VmRSS")
    print(f"uvicorn peak RSS {peak // 1024} MB, now {now // 1024} MB")
    assert peak < RSS_BOUND_KB


def _read_answer(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except (TimeoutError, ConnectionResetError):
        # A server that stops reading a body closes with unread bytes: a reset that follows its answer.
        pass
    return answer


def test_a_300_mb_body_is_refused_before_it_is_read(server: Server) -> None:
    number, key = server.new_case()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /api/v1/public/cases/{number}/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Reporter-Key: {key}\r\nContent-Type: multipart/form-data; boundary=batas\r\n"
                f"Content-Length: {300 * MEGABYTE}\r\n\r\n--batas\r\n"
            ).encode()
        )
        answer = _read_answer(sock, 30)
    assert time.monotonic() - started < 30
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer[:300]
    text = body.decode()
    assert "Permintaan terlalu besar" in text and "Request too large" in text and "60 MB" in text


def test_a_chunked_body_is_cut_off_at_the_cap(server: Server) -> None:
    number, key = server.new_case()
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST /api/v1/public/cases/{number}/photos HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"X-Reporter-Key: {key}\r\nContent-Type: multipart/form-data; boundary=batas\r\n"
                "Transfer-Encoding: chunked\r\n\r\n"
            ).encode()
        )
        piece = b"x" * MEGABYTE
        sent = 0
        # Send until the server answers; it must do so before the body passes the 60 MB cap by much.
        while not select.select([sock], [], [], 0)[0]:
            assert sent <= 100 * MEGABYTE, "the server read 100 MB without answering"
            try:
                sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        answer = _read_answer(sock, 30)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"Request too large" in answer
    assert 60 * MEGABYTE <= sent <= 70 * MEGABYTE
