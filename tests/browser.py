"""Browser fixtures for every page test (registered in tests/conftest.py): Debian's Chromium driven by Playwright (never a downloaded browser), screenshots kept."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PATRIOT_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
# How long a page test waits for anything (an action, a navigation, an expect(...)): generous on purpose, because the
# suite runs beside other work on small machines where a page can take seconds. A wait that holds returns at once,
# so only a failing test waits this long. Playwright's own defaults (30 s, and 5 s for expect) fail on a busy machine.
WAIT_SECONDS = 45

# Playwright's sync API runs an event loop in this thread; Django must still allow the ORM in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# One browser per test module, not per session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and tests of async code elsewhere (tests/events) need that thread free.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs it with apt-get.")
        pytest.skip(f"Chromium is missing at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_SECONDS * 1000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


class Screens:
    """Saves a numbered screenshot per step under test-artifacts/<test name>/."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def shot(self, page: Any, step: str) -> Path:
        self.count += 1
        safe_step = re.sub(r"[^\w.-]+", "_", step)
        path = self.folder / f"{self.count:02d}-{safe_step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    return Screens(request.node.name)


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    """new_page(viewport=PHONE, locale="id-ID") opens a fresh context (own cookies) and returns its page."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int] = DESKTOP, locale: str = "id-ID", **options: Any) -> Any:
        context = browser.new_context(viewport=viewport, locale=locale, **options)
        context.set_default_timeout(WAIT_SECONDS * 1000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def sign_in(page: Any, base: str, username: str, password: str, authenticator_secret: str | None = None) -> None:
    """Signs in through /masuk/, and through the code step (/masuk/kode/) when given the authenticator's secret."""
    from patriot.accounts import totp

    page.goto(f"{base}/masuk/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if authenticator_secret is not None:
        page.wait_for_url(re.compile(r"/masuk/kode/$"))
        page.fill("input[name=code]", totp.code_for(authenticator_secret))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()


class HeldRequests:
    """Holds back a page's requests for URLs matching a pattern until release(): a slow network, made certain.

    page.route must be set before the page asks for them, so make one before page.goto.
    """

    def __init__(self, page: Any, url_pattern: str) -> None:
        self.page = page
        self.url_pattern = url_pattern
        self.held: list[Any] = []
        page.route(url_pattern, self._hold)

    def _hold(self, route: Any) -> None:
        self.held.append(route)

    def release(self, timeout: float = WAIT_SECONDS) -> None:
        """Lets every held request through, once at least one has been held (the page may not have asked yet)."""
        # Route handlers run only while Playwright dispatches, i.e. inside one of its calls: let the page wait.
        deadline = time.monotonic() + timeout
        while not self.held:
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never asked for {self.url_pattern}")
            self.page.wait_for_timeout(50)
        for route in self.held:
            route.continue_()
        self.page.unroute(self.url_pattern, self._hold)


@contextlib.contextmanager
def serve_in_thread(ports: range) -> Iterator[str]:
    """uvicorn serving patriot.asgi in a thread of this process (so it shares the test database); yields its URL.

    Django's live_server is WSGI and cannot stream the live events, so page tests that need them use this.
    """
    import uvicorn

    from patriot.asgi import application

    port = next((p for p in ports if _port_is_free(p)), None)
    if port is None:
        raise RuntimeError(f"no free port in {ports.start}–{ports.stop - 1}")
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0
