"""The recipe run for real: Debian's nginx with deploy/'s site before two uvicorn processes and a worker.

Everything is on loopback: PostgreSQL (a database of the test's own), Redis, the processes started with the
ExecStart lines of deploy/systemd and the recipe's environment file, nginx with deploy/nginx/patriot.conf (only
ports, certificate and paths changed), checked over HTTPS through nginx.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.db import connection

from tests.deploy.recipe import HOST, NGINX_SITE, production_env, unit_commands
from tests.private_servers import CASE, PYTHON_BIN, REDIS_SERVER, PrivateRedis, free_port, wait_until

NGINX = Path("/usr/sbin/nginx")
IN_CI = os.environ.get("CI", "").lower() == "true"
MAX_REQUEST_BYTES = 62914560  # the recipe's PATRIOT_MAX_REQUEST_BYTES and nginx's client_max_body_size 60m

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the production recipe runs on PostgreSQL and Redis: it is tested in the PostgreSQL pass",
    ),
]


def require(condition: bool, reason: str) -> None:
    """Skip on a developer's machine without the service; with CI=true a missing one fails the run."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason}; CI needs it (.ci/run installs nginx, starts PostgreSQL and Redis)")
    pytest.skip(reason)


class Process:
    """One command of the recipe, its output kept in a file for the failure message."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=output, stderr=output)  # noqa: S603

    def stop(self) -> int:
        """SIGTERM, as systemd stops a unit; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


class WebProcess(Process):
    """patriot-web@<port>.service."""

    def __init__(self, env: dict[str, str], directory: Path) -> None:
        self.port = free_port()
        super().__init__(
            unit_commands("patriot-web@.service", str(self.port))[0], env, directory / f"web-{self.port}.log"
        )

    def start(self) -> None:
        super().start()
        wait_until(self.answers, 60, f"uvicorn on {self.port}: {self.log}")

    def answers(self) -> bool:
        assert self.process is not None
        assert self.process.poll() is None, self.output()
        try:
            answer = httpx.get(f"http://127.0.0.1:{self.port}/healthz", headers={"Host": HOST}, timeout=2)
            return answer.status_code == 200
        except httpx.TransportError:
            return False


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def render_site(replacements: dict[str, str]) -> str:
    """deploy/nginx/patriot.conf with this machine's ports and paths; each replaced text must be in the recipe."""
    site = NGINX_SITE.read_text()
    for old, new in replacements.items():
        assert old in site, f"{old!r} is no longer in {NGINX_SITE}: update the test's rendering"
        site = site.replace(old, new)
    return site


def nginx_main_config(directory: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf provides around a site, with every path in the test's directory."""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, nginx's workers would switch to `nobody`, who cannot read pytest's root-only directories.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
daemon off;
{user}
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log off;
{temp}
    include {site};
}}
"""


@dataclass
class Stack:
    https: str
    http: str
    database_url: str
    webs: list[WebProcess]
    tls: ssl.SSLContext
    failures: list[str] = field(default_factory=list)

    def client(self, timeout: httpx.Timeout | float = 15) -> httpx.Client:
        return httpx.Client(base_url=self.https, headers={"Host": HOST}, verify=self.tls, timeout=timeout)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require(NGINX.exists(), f"{NGINX} is not installed (apt-get install nginx)")
    require(Path(REDIS_SERVER).exists(), f"{REDIS_SERVER} is not installed")
    directory = tmp_path_factory.mktemp("recipe")
    configured = os.environ["PATRIOT_DATABASE_URL"]
    name = f"patriot_recipe_{uuid.uuid4().hex[:8]}"
    admin_url = configured.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    database_url = configured.rsplit("/", 1)[0] + f"/{name}"
    # A Redis of its own: rate-limit counts of other tests (all from 127.0.0.1) must not reach these processes.
    redis_server = PrivateRedis()
    redis_server.start()
    env = production_env(
        directory / "var",
        PATRIOT_DATABASE_URL=database_url,
        PATRIOT_REDIS_URL=redis_server.url,
        # Nothing leaves this machine: mail to the console, SMS to a loopback port nobody listens on.
        PATRIOT_EMAIL_HOST="",
        PATRIOT_SMS_GATEWAY_URL=f"http://127.0.0.1:{free_port()}/send",
        PATRIOT_DATABASE_POOL_SIZE="5",
    )
    started: list[Process] = []
    try:
        for command in unit_commands("patriot-migrate.service"):
            subprocess.run(command, env=env, check=True, capture_output=True, timeout=300)  # noqa: S603
        # deploy/README.md: the reference data once, at installation.
        subprocess.run([str(PYTHON_BIN / "patriot"), "seed"], env=env, check=True, capture_output=True, timeout=300)  # noqa: S603
        webs = [WebProcess(env, directory), WebProcess(env, directory)]
        worker = Process(unit_commands("patriot-worker.service")[0], env, directory / "worker.log")
        for process in [*webs, worker]:
            process.start()
            started.append(process)

        cert, key = self_signed_certificate(directory)
        https_port, http_port = free_port(), free_port()
        site = directory / "patriot.conf"
        site.write_text(
            render_site(
                {
                    "server 127.0.0.1:8001 ": f"server 127.0.0.1:{webs[0].port} ",
                    "server 127.0.0.1:8002 ": f"server 127.0.0.1:{webs[1].port} ",
                    "listen 80;": f"listen 127.0.0.1:{http_port};",
                    "listen [::]:80;": "",
                    "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                    "listen [::]:443 ssl http2;": "",
                    f"/etc/letsencrypt/live/{HOST}/fullchain.pem": str(cert),
                    f"/etc/letsencrypt/live/{HOST}/privkey.pem": str(key),
                    "/var/lib/patriot/static/": f"{directory / 'var' / 'static'}/",
                }
            )
        )
        config = directory / "nginx.conf"
        config.write_text(nginx_main_config(directory, site))
        nginx_command = [str(NGINX), "-p", str(directory), "-e", str(directory / "error.log"), "-c", str(config)]
        tested = subprocess.run([*nginx_command, "-t"], capture_output=True, text=True, timeout=30)  # noqa: S603
        assert tested.returncode == 0, tested.stderr
        nginx = Process(nginx_command, env, directory / "nginx.log")
        nginx.start()
        started.append(nginx)
        wait_until(lambda: _listens(https_port), 30, "nginx")
        yield Stack(
            https=f"https://127.0.0.1:{https_port}",
            http=f"http://127.0.0.1:{http_port}",
            database_url=database_url,
            webs=webs,
            tls=ssl.create_default_context(cafile=str(cert)),
        )
    finally:
        for process in reversed(started):
            if process.process is not None and process.process.poll() is None:
                process.stop()
        redis_server.stop()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_plain_http_moves_to_https_except_the_health_check(stack: Stack) -> None:
    answer = httpx.get(f"{stack.http}/lapor/?kategori=1", headers={"Host": HOST})
    assert answer.status_code == 301
    assert answer.headers["location"] == f"https://{HOST}/lapor/?kategori=1"
    assert httpx.get(f"{stack.http}/healthz", headers={"Host": HOST}).status_code == 200


def test_every_process_is_ready_behind_nginx(stack: Stack) -> None:
    """/readyz through nginx: database migrated, Redis up, the worker's heartbeat."""
    with stack.client() as client:
        wait_until(lambda: client.get("/readyz").status_code == 200, 90, "the worker's first heartbeat")
        assert client.get("/readyz").json()["status"] == "ready"


def test_a_filed_report_reaches_an_event_stream_through_nginx_at_once(stack: Stack) -> None:
    """nginx passes the stream unbuffered: the event arrives within seconds, not when a buffer fills."""
    received: dict[str, float] = {}
    opened = threading.Event()

    def listen() -> None:
        with (
            stack.client(timeout=httpx.Timeout(15, read=60)) as client,
            client.stream("GET", "/events/public/") as stream,
        ):
            if stream.status_code != 200 or not stream.headers["content-type"].startswith("text/event-stream"):
                return
            try:
                for line in stream.iter_lines():
                    if line.startswith("retry:"):
                        opened.set()
                    elif line.startswith("data: "):
                        subject = line.split('"subject_id":"', 1)[1].split('"', 1)[0]
                        received.setdefault(subject, time.monotonic())
            except httpx.TransportError:
                return  # the processes stop at the end of the module

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert opened.wait(20), "the stream did not open through nginx"
    with stack.client() as client:
        filed_at = time.monotonic()
        answer = client.post("/api/v1/cases", json=CASE)
    assert answer.status_code == 201, answer.text
    number = answer.json()["tracking_number"]
    wait_until(lambda: number in received, 10, f"{number} on the public stream")
    assert received[number] - filed_at < 10


def test_a_photo_upload_over_the_limit_is_refused_by_nginx_unread(stack: Stack) -> None:
    """A declared body over client_max_body_size gets nginx's 413 before a byte of it is sent."""
    port = int(stack.https.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=15) as raw,
        stack.tls.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        tls.sendall(
            (
                "POST /api/v1/cases HTTP/1.1\r\n"
                f"Host: {HOST}\r\n"
                "Content-Type: multipart/form-data; boundary=foto\r\n"
                f"Content-Length: {MAX_REQUEST_BYTES + 1}\r\n\r\n"
            ).encode()
        )
        head = tls.recv(4096).decode(errors="replace")
    assert head.startswith("HTTP/1.1 413"), head
    assert "<center>nginx</center>" in head  # nginx's own page: Patriot never saw the request
    with stack.client() as client:
        at_limit = client.post("/api/v1/cases", content=b"x" * 1024, headers={"Content-Type": "application/json"})
    assert at_limit.status_code != 413  # a body under the limit is Patriot's to judge


def test_static_files_are_served_by_nginx_and_cached_for_a_year(stack: Stack) -> None:
    with stack.client() as client:
        page = client.get("/")
        assert page.status_code == 200
        hashed = re.findall(r'/static/[^"]+\.[0-9a-f]{12}\.css', page.text)
        assert hashed, "pages link static files under content-hashed names in production mode"
        answer = client.get(hashed[0], headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert page.headers["strict-transport-security"].startswith("max-age=31536000")


def test_a_rolling_restart_loses_no_request(stack: Stack) -> None:
    """While a client keeps reading and filing, each uvicorn process in turn gets SIGTERM and starts again."""
    with stack.client() as client:
        filed = client.post("/api/v1/cases", json=CASE)
        assert filed.status_code == 201, filed.text
        number = filed.json()["tracking_number"]
    outcomes: list[str] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with stack.client() as client:
            sent = 0
            while not stop.is_set():
                sent += 1
                try:
                    if sent % 10 == 0 and sent <= 150:  # a report now and then, within the intake rate limit
                        answer = client.post("/api/v1/cases", json=CASE)
                        ok = answer.status_code == 201
                    else:
                        path = f"/api/v1/public/cases/{number}" if sent % 2 else "/"
                        answer = client.get(path)
                        ok = answer.status_code == 200
                    outcomes.append("ok" if ok else f"{answer.status_code} {answer.request.url.path}")
                except httpx.TransportError as error:
                    outcomes.append(f"transport error: {error!r}")

    asker = threading.Thread(target=keep_asking, daemon=True)
    asker.start()
    try:
        wait_until(lambda: len(outcomes) >= 20, 30, "requests before the restart")
        for web in stack.webs:
            before = len(outcomes)
            # Uvicorn finishes its requests, then re-raises SIGTERM: systemd counts that as a clean stop.
            assert web.stop() in (0, -signal.SIGTERM), web.output()
            assert "Finished server process" in web.output()
            web.start()
            wait_until(lambda before=before: len(outcomes) >= before + 20, 30, "requests after a restart")
    finally:
        stop.set()
        asker.join(30)
    failures = [outcome for outcome in outcomes if outcome != "ok"]
    assert failures == [], f"{len(failures)} of {len(outcomes)} failed: {failures[:5]}"
    assert len(outcomes) > 60


def test_a_forged_x_forwarded_for_does_not_escape_the_intake_rate_limit(stack: Stack) -> None:
    """nginx replaces the client's X-Forwarded-For: each forged address still counts against the real client."""
    statuses = []
    with stack.client() as client:
        # 30 reports a minute per address (the recipe); a window may turn over once during the loop.
        for attempt in range(61):
            forged = f"203.0.113.{attempt + 1}"
            answer = client.post("/api/v1/cases", json=CASE, headers={"X-Forwarded-For": forged})
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                break
    assert statuses[-1] == 429, statuses
    assert set(statuses) <= {201, 429}
