"""SQLite backend whose transactions queue on one lock per process.

Django's ASGI handler runs each request's sync code in its own thread with its own connection, so the
requests of one uvicorn worker compete for SQLite's single writer lock. SQLite's busy handler makes the
losers sleep 1, 2, 5, 10 … 100 ms and retry, wasting the time the lock is free: p95 intake latency was
0.9–1.2 s at 16 concurrent requests. Waiting on a threading.Lock instead starts each transaction the
moment the previous one ends (p95 0.26–0.31 s, same throughput; bench/README.md). Between worker
processes SQLite's busy timeout still decides.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_transaction_lock = threading.RLock()


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_transaction_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        _transaction_lock.acquire()
        self._holds_transaction_lock = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        except BaseException:
            self._release_transaction_lock()
            raise

    def _release_transaction_lock(self) -> None:
        if self._holds_transaction_lock:
            self._holds_transaction_lock = False
            _transaction_lock.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        finally:
            self._release_transaction_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        finally:
            self._release_transaction_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        finally:
            self._release_transaction_lock()
