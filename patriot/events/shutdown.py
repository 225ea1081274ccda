"""Ending the live streams when the server is told to stop, so that a deploy never waits on browsers that stay.

uvicorn (like gunicorn) stops on SIGTERM by closing its sockets and waiting for every open response to
finish; an event stream never finishes by itself, so the process never exited. Chained to the server's own
signal handler, this ends every stream with a `retry:` hint (the browser reconnects to the next process)
while requests in flight run to their end. It is installed when a stream opens, not at import: uvicorn
imports the application before it installs its own handlers.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from patriot.events.broadcast import stop_all_streams

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def install() -> None:
    """Chain stop_all_streams to the stop handlers the server installed (once each; only in the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in STOP_SIGNALS:
        previous = signal.getsignal(signum)
        # Without a server's graceful handler (the default ones) the process ends at once anyway.
        if not callable(previous) or previous is signal.default_int_handler or getattr(previous, "chained", False):
            continue
        signal.signal(signum, _chained(previous))


def _chained(previous: Any) -> Any:
    def handle(signum: int, frame: FrameType | None) -> None:
        previous(signum, frame)
        stop_all_streams()

    handle.chained = True  # type: ignore[attr-defined]  # a mark on the function object, read by install()
    return handle
