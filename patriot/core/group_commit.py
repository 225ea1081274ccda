"""Group commit: concurrent writes of one kind, from the requests of one process, share one transaction.

Each request validates its input and builds its rows in its own thread, then queues them with `GroupCommit.write`.
Whichever waiting thread takes the writer lock writes everything queued by then (up to `max_batch`) in one
transaction with `write_many` and commits once; the others find their rows written (or their error) when they get
the lock in turn, so every answer still follows its rows' commit. If anything in a shared transaction fails (e.g. a
raced unique key), it rolls back, `undo` puts each job back to before it, and each is written again with
`write_one` in a transaction of its own, so one bad job fails alone and its error is raised in the thread that
queued it.

On SQLite one process writes one transaction at a time anyway (core/sqlite_backend), so this amortises the commit,
the lock hand-overs and the statements over the waiting writers; on PostgreSQL concurrent connections overlap their
round trips and the server shares WAL flushes, so callers use it where `settings.PATRIOT_INTAKE_GROUP_COMMIT` says
(on by default on SQLite only). Used by case intake (cases/services/intake.py) and Si Tik Tik's inspections
(larvae/services/inspections.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import transaction

J = TypeVar("J")


@dataclass(eq=False)
class Queued(Generic[J]):
    """A job in the queue, with what became of it."""

    job: J
    done: bool = False
    error: BaseException | None = None


class GroupCommit(Generic[J]):
    def __init__(
        self,
        *,
        write_many: Callable[[list[J]], None],
        write_one: Callable[[J], None],
        undo: Callable[[J], None],
        max_batch: int = 64,
    ) -> None:
        """`write_many(jobs)` writes several jobs, `write_one(job)` one (each inside a transaction this class opens);
        `undo(job)` puts a job back to before a rolled-back write (no ids)."""
        self.write_many, self.write_one, self.undo, self.max_batch = write_many, write_one, undo, max_batch
        self._writer = threading.Lock()
        self._queue: list[Queued[J]] = []
        self._queue_lock = threading.Lock()

    def write(self, job: J) -> None:
        """Write `job` (in a transaction shared with the jobs queued with it); returns after its commit, or raises
        the error its own write raised."""
        entry = Queued(job)
        with self._queue_lock:
            self._queue.append(entry)
        with self._writer:
            while not entry.done:
                with self._queue_lock:
                    batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                self._write(batch)
        if entry.error is not None:
            raise entry.error

    def _write(self, batch: list[Queued[J]]) -> None:
        try:
            if len(batch) > 1:
                try:
                    with transaction.atomic():
                        self.write_many([entry.job for entry in batch])
                except Exception:  # each job again on its own below; its own error is kept there
                    for entry in batch:
                        self.undo(entry.job)
                else:
                    for entry in batch:
                        entry.done = True
                    return
            for entry in batch:
                try:
                    with transaction.atomic():
                        self.write_one(entry.job)
                except Exception as error:  # handed to the request that queued this job
                    self.undo(entry.job)
                    entry.error = error
                entry.done = True
        finally:
            for entry in batch:
                if not entry.done:  # the writer itself was interrupted: its waiters must not wait for ever
                    entry.error, entry.done = RuntimeError("The write was not done."), True
