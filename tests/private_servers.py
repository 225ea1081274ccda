"""Private Redis, PostgreSQL and S3 servers for fault tests: own port, own temp dir, stopped, hung and restarted at will.

Fault tests never touch the shared servers on 6379 and 5432.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

PYTHON_BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# The newest PostgreSQL installed (Debian keeps each major version's binaries apart).
POSTGRES_BIN = max(
    (Path(found).parent for found in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
    key=lambda path: int(path.parent.name),
    default=Path("/nonexistent"),
)
# A report the seeded city accepts (`patriot seed` makes the category).
CASE = {
    "category": "saluran-tersumbat",
    "description": "Saluran air tersumbat sampah, air meluap ke jalan.",
    "latitude": -6.251143,
    "longitude": 107.0043,
}
PORTS = range(18100, 18200)  # the fault tests' share of the machine's ports
_taken: set[int] = set()


def free_port() -> int:
    for port in PORTS:
        if port in _taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class PrivateRedis:
    """redis-server on a port of our own, without persistence.

    stop()/start() is an outage that refuses connections; pause()/resume() (SIGSTOP/SIGCONT) is a Redis that hangs:
    connections are accepted by the kernel but nothing ever answers.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: answers(self.port), 30, "redis-server to answer")

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        self.resume()  # a stopped process would not act on SIGTERM
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


class AppServer:
    """The app under uvicorn in a process of its own, configured by `env` (PATRIOT_* variables)."""

    def __init__(self, env: dict[str, str]) -> None:
        # The test binds the socket and hands it to uvicorn (--fd): between finding a free port and uvicorn binding
        # it, another suite running on the machine could take the port, and its server would answer our requests.
        listener = socket.socket()
        listener.bind(("127.0.0.1", free_port()))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        with listener:
            listener.set_inheritable(True)
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(PYTHON_BIN / "uvicorn"),
                    "patriot.asgi:application",
                    "--lifespan",
                    "off",
                    "--fd",
                    f"{listener.fileno()}",
                ],
                env={"PATRIOT_SECURE_COOKIES": "0", **env},  # plain HTTP on loopback, as `make run` serves
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(listener.fileno(),),
            )
        wait_until(self._answers, 60, f"uvicorn on {self.port}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def create_case(self) -> str:
        answer = httpx.post(f"{self.base}/api/v1/cases", json=CASE, timeout=15)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["tracking_number"])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


class PrivateS3:
    """An S3-compatible object store on loopback (moto's server in a thread of the test process), one bucket per
    `bucket()` call, with the client the tests inspect it through."""

    region = "us-east-1"
    access_key = "patriot-test"
    secret_key = "patriot-test-secret"

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    def start(self) -> None:
        self._server.start()
        wait_until(lambda: answers(self.port), 10, "the S3 server to answer")

    def stop(self) -> None:
        self._server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def bucket(self) -> str:
        name = f"patriot-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket)
        return sorted(entry["Key"] for entry in listed.get("Contents", []))

    def env(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """The PATRIOT_S3_* variables of an installation whose media live in `bucket`."""
        return {
            "PATRIOT_S3_BUCKET": bucket,
            "PATRIOT_S3_ENDPOINT_URL": self.endpoint,
            "PATRIOT_S3_REGION": self.region,
            "PATRIOT_S3_ACCESS_KEY_ID": self.access_key,
            "PATRIOT_S3_SECRET_ACCESS_KEY": self.secret_key,
            "PATRIOT_S3_PREFIX": prefix,
        }


class PrivatePostgres:
    """A PostgreSQL cluster of our own in a temp dir (trust auth, loopback only); restart_immediately() crashes it.

    PostgreSQL refuses to run as root: there the cluster belongs to the `postgres` system user, in a directory of
    its own outside pytest's (root-only) temp tree.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="patriot-postgres-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/patriot"
        self._as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._as_owner = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(  # noqa: S603
            [*self._as_owner, str(POSTGRES_BIN / program), *args],
            check=True,
            capture_output=True,
            cwd=self.directory,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._pg_ctl("-o", options, "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "patriot")

    def restart_immediately(self) -> None:
        """`pg_ctl restart -m immediate`: every backend dies without a goodbye, then the server comes back."""
        self._pg_ctl("-m", "immediate", "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)
