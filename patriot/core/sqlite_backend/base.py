"""SQLite backend whose transactions queue on one lock per process, whose connections are reused across requests,
and whose WAL is checkpointed off the request path.

Django's ASGI handler runs each request's sync code in its own thread with its own connection, so the
requests of one uvicorn worker compete for SQLite's single writer lock. SQLite's busy handler makes the
losers sleep 1, 2, 5, 10 … 100 ms and retry, wasting the time the lock is free: p95 intake latency was
0.9–1.2 s at 16 concurrent requests. Waiting on a threading.Lock instead starts each transaction the
moment the previous one ends (p95 0.26–0.31 s, same throughput; bench/README.md). Between worker
processes SQLite's busy timeout still decides.

Connections: Django's ASGI handler gives every request a context of its own, and Django keeps connections per
context, so with CONN_MAX_AGE a request never met the previous one's connection and opened another (~1–8 ms: the
PRAGMAs, Django's SQL functions) — more than a case's statements. Here a connection that Django closes (at the end of
each request, CONN_MAX_AGE = 0) goes back to a per-process pool of at most `POOL_SIZE` idle connections when it is
outside a transaction, and the next request takes it; a connection to a file that has since been replaced (a test
database made anew at the same path) is closed instead of reused.

Checkpoints: by default the commit that takes the WAL past 1,000 pages copies it into the database file and syncs
both before it returns — while it still holds the process's transaction lock, so every writer of the process waited
on those syncs (a case's commit cost 2–3 ms on average on a busy disk instead of ~0.3 ms, bench/README.md). Here a
thread per database file runs `PRAGMA wal_checkpoint(PASSIVE)` on a connection of its own every
`CHECKPOINT_EVERY_COMMITS` commits of the process (and every `CHECKPOINT_IDLE_SECONDS`); a passive checkpoint
never blocks a writer. A commit is as durable as before: it is in the WAL when it returns (synchronous=NORMAL is
unchanged); the checkpoint only moves committed pages into the main file. SQLite's own automatic checkpoint stays as
a safety net at `AUTOCHECKPOINT_PAGES`, for a process that writes a lot without the thread keeping up.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from typing import Any

from django.db.backends.sqlite3 import base, creation

logger = logging.getLogger("patriot.db")

_transaction_lock = threading.RLock()

CHECKPOINT_EVERY_COMMITS = 100
CHECKPOINT_IDLE_SECONDS = 5.0
AUTOCHECKPOINT_PAGES = 20_000  # ~80 MB of WAL with 4 KiB pages


class _Checkpointer:
    """The thread that checkpoints one database file's WAL for this process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commits = 0
        self.wake = threading.Event()
        threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True).start()

    def committed(self) -> None:
        self.commits += 1  # not exact across threads, and need not be
        if self.commits >= CHECKPOINT_EVERY_COMMITS:
            self.commits = 0
            self.wake.set()

    def _run(self) -> None:
        connection = sqlite3.connect(self.path, timeout=20, isolation_level=None, check_same_thread=False)
        while True:
            self.wake.wait(CHECKPOINT_IDLE_SECONDS)
            self.wake.clear()
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as error:  # the file went away (a test database) or is busy: try again later
                logger.debug("SQLite checkpoint of %s failed: %s", self.path, error)


_checkpointers: dict[str, _Checkpointer] = {}
_checkpointers_lock = threading.Lock()


def _checkpointer_for(path: str) -> _Checkpointer:
    with _checkpointers_lock:
        if path not in _checkpointers:
            _checkpointers[path] = _Checkpointer(path)
        return _checkpointers[path]


POOL_SIZE = 8
# path -> idle connections, each with the inode of the file it was opened on.
_idle: dict[str, list[tuple[sqlite3.Connection, int]]] = {}
_idle_lock = threading.Lock()


def _inode(path: str) -> int:
    try:
        return os.stat(path).st_ino
    except OSError:
        return -1


def forget_idle(path: str) -> None:
    """Close the idle connections to `path` (its file is about to be removed or replaced)."""
    with _idle_lock:
        for connection, _inode_number in _idle.pop(path, []):
            connection.close()


class DatabaseCreation(creation.DatabaseCreation):
    """Test databases: a file removed and made anew may get the old one's inode, so the pool forgets it first."""

    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> str:
        forget_idle(str(self._get_test_db_name()))  # type: ignore[attr-defined]  # private helpers of Django's SQLite creation, absent from django-stubs
        return super()._create_test_db(verbosity, autoclobber, keepdb)  # type: ignore[misc]

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        forget_idle(str(test_database_name))
        super()._destroy_test_db(test_database_name, verbosity)  # type: ignore[misc]


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
    _holds_transaction_lock = False
    _checkpointer: _Checkpointer | None = None
    _inode = -1

    def _file(self) -> str | None:
        return None if self.is_in_memory_db() else str(self.settings_dict["NAME"])

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        path = self._file()
        if path is None:
            return super().get_new_connection(conn_params)
        self._checkpointer = _checkpointer_for(path)
        self._inode = _inode(path)
        with _idle_lock:
            idle = _idle.get(path, [])
            while idle:
                connection, opened_on = idle.pop()
                if opened_on == self._inode:
                    return connection
                connection.close()
        connection = super().get_new_connection(conn_params)
        connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        return connection

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
        if self._checkpointer is not None:
            self._checkpointer.committed()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        finally:
            self._release_transaction_lock()

    def _close(self) -> None:
        try:
            connection, path = self.connection, self._file()
            if path is not None and connection is not None and not connection.in_transaction:
                with _idle_lock:
                    idle = _idle.setdefault(path, [])
                    if len(idle) < POOL_SIZE:
                        idle.append((connection, self._inode))
                        return
            super()._close()  # type: ignore[misc]  # a private hook of Django's backend, absent from django-stubs
        finally:
            self._release_transaction_lock()
