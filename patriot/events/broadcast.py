"""Live fan-out: one hub per process reads new outbox rows once and hands them to this process's subscribers.

The outbox is the truth; the broadcaster only wakes hubs up. A committed event wakes the hub of its own
process directly and, when PATRIOT_REDIS_URL is set, every other process through Redis pub/sub. A hub
that hears nothing still reads the outbox every PATRIOT_SSE_POLL_SECONDS, so with Redis down events
arrive a little later and none is lost.

The hub delivers events strictly in id order. On PostgreSQL ids are taken at INSERT and become
visible at COMMIT, so id 10 may be readable before id 9: the hub holds 10 back until 9 appears, or
until PATRIOT_SSE_GAP_GRACE_SECONDS have passed (a rolled-back transaction leaves its id unused for
ever). That order is what makes Last-Event-ID exact: a client that saw N has seen everything below N.
A transaction slower than the grace (a heavily loaded database) commits its id after the hub gave it up: the
hub still looks for it for LATE_WATCH_SECONDS and, when it appears, delivers it then, without an `id:` line,
so each client's Last-Event-ID stays the highest id it has seen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Coroutine, Generator, Hashable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from patriot.core import redis_health
from patriot.events import audience, config, queries, sse, visibility
from patriot.events.models import OutboxEvent

if TYPE_CHECKING:
    import redis
    from redis.asyncio.client import PubSub

logger = logging.getLogger("patriot.events")

# This process's mark on its Redis messages: its own hub is woken directly and skips them.
PROCESS_TOKEN = uuid.uuid4().hex
DEFAULT_GAP_GRACE_SECONDS = config.DEFAULTS["PATRIOT_SSE_GAP_GRACE_SECONDS"]
# Rows per outbox read (the hub's and a replay's).
BATCH_SIZE = 500
# A jump in ids larger than this is not waited for (e.g. a sequence reset by hand).
MAX_TRACKED_GAP = 1000
# How long an id given up after the grace is still looked for (a transaction that slow is delivered late).
LATE_WATCH_SECONDS = 60.0
# A quiet pub/sub connection is pinged this often; without an answer within PONG_WAIT_SECONDS it counts as dead
# (a stopped or blackholed Redis keeps the socket open and silent).
PING_EVERY_SECONDS = 2.0
PONG_WAIT_SECONDS = 2.0

P = ParamSpec("P")
T = TypeVar("T")
# An ASGI `send` (the server's, through the ASGI wrappers): what a stream's bytes are written with.
Send = Callable[[dict[str, Any]], Awaitable[None]]


def redis_channel() -> str:
    """One channel per database, so two deployments sharing a Redis do not wake each other."""
    return f"patriot:outbox:{settings.DATABASES['default']['NAME']}"


# --- wake-ups ---------------------------------------------------------------------------------


def notify_committed() -> None:
    """After a commit that wrote outbox rows: hand them to this process's hub and wake the other processes' hubs.

    This process's hub gets the new rows read here, on the committing thread with the connection it already holds,
    so they reach its streams without a hop to a worker thread and another connection; the read is the hub's own
    (`read_after` from what it has read so far), and the hub drops what it has already. Never raises: the change is
    committed already, and the hubs' polling covers a lost wake-up.
    """
    hub = _hub
    if hub is not None and hub.running:
        try:
            hub.absorb_threadsafe(read_after(hub.top, list(hub.missing), BATCH_SIZE))
        except Exception:
            # E.g. a commit on an event loop's own thread (no queries there): the hub reads on its worker instead.
            logger.debug("Reading the committed events on the committing thread failed", exc_info=True)
            hub.wake_threadsafe()
    if settings.PATRIOT_REDIS_URL:
        _publisher.publish(settings.PATRIOT_REDIS_URL)


def wake_on_commit() -> None:
    """Register notify_committed once per transaction, however many events the transaction writes."""
    if not any(callback is notify_committed for _ids, callback, _robust in connection.run_on_commit):  # type: ignore[misc]  # (sids, func, robust) since Django 4.2; django-stubs says pairs
        connection.on_commit(notify_committed, robust=True)


class _Publisher:
    """Publishes wake-ups on Redis from request threads, through the breaker so a hung Redis costs one timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}
        self.failures = 0

    def _client(self, url: str) -> redis.Redis:
        import redis

        with self._lock:
            client = self._clients.get(url)
            if client is None:
                timeout = settings.PATRIOT_REDIS_TIMEOUT_SECONDS
                client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
                self._clients[url] = client
            return client

    def publish(self, url: str) -> None:
        try:
            redis_health.breaker.call(lambda: self._client(url).publish(redis_channel(), PROCESS_TOKEN))
        except redis_health.RedisUnavailable:
            # Other processes poll the outbox meanwhile; the breaker logs the outage once.
            self.failures += 1


_publisher = _Publisher()


# --- reading off the event loop -----------------------------------------------------------------


def off_loop(fn: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """`fn` run on a worker thread, giving its database connection back afterwards: the loop never waits on a query."""

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(call, thread_sensitive=False)


def frames_of(rows: list[OutboxEvent]) -> list[Frame]:
    """Wire forms of `rows`, the public one only for events whose subject the public may see now (one query)."""
    public = visibility.public_now(rows)
    return [Frame.of(event, public=event.pk in public) for event in rows]


def read_after(top: int, missing: Collection[int], limit: int) -> list[Frame]:
    return frames_of(queries.events_after(top, missing, limit))


def replay_batch(
    after: int, upto: int, accepts: Callable[[OutboxEvent], bool], *, public: bool
) -> tuple[int | None, bytes]:
    """The next batch of a replay: the last id read (None when there is none) and the frames `accepts` lets through."""
    rows = queries.events_between(after, upto, BATCH_SIZE)
    if not rows:
        return None, b""
    if public:
        allowed = visibility.public_now(rows)
        chunks = [sse.frame(e, audience.public_payload(e)) for e in rows if e.pk in allowed and accepts(e)]
    else:
        chunks = [sse.frame(e, e.payload) for e in rows if accepts(e)]
    return rows[-1].pk, b"".join(chunks)


def replay_too_long(after: int, upto: int) -> bool:
    """Whether a client that saw `after` missed too much to replay up to `upto` (it gets a `reload` instead)."""
    max_age = timedelta(seconds=config.value("PATRIOT_SSE_REPLAY_MAX_AGE_SECONDS"))
    return queries.replay_exceeds(
        after,
        upto,
        max_events=int(config.value("PATRIOT_SSE_REPLAY_MAX_EVENTS")),
        since=timezone.now() - max_age,
    )


# --- subscribers ------------------------------------------------------------------------------


@dataclass(eq=False)
class Frame:
    """One event as read once by the hub, with its staff and public wire forms prepared once (off the loop)."""

    event: OutboxEvent
    staff: bytes
    public: bytes | None
    # Committed after the hub had given its id up: delivered out of order, without `id:` (see the module's note).
    late: bool = False
    # The ASGI message of each form, made once and handed to every stream's `send` (no layer changes a message).
    _messages: dict[bool, dict[str, Any]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, event: OutboxEvent, *, public: bool) -> Frame:
        return cls(
            event=event,
            staff=sse.frame(event, event.payload),
            public=sse.frame(event, audience.public_payload(event)) if public else None,
        )

    def arrived_late(self) -> Frame:
        """This frame as it goes out after later ids: the same event, its wire forms without the `id:` line."""
        public = None if self.public is None else sse.without_id(self.public)
        return Frame(event=self.event, staff=sse.without_id(self.staff), public=public, late=True)

    def wire(self, public: bool) -> bytes:
        return (self.public or b"") if public else self.staff

    def message(self, public: bool) -> dict[str, Any]:
        message = self._messages.get(public)
        if message is None:
            message = self._messages[public] = {
                "type": "http.response.body",
                "body": self.wire(public),
                "more_body": True,
            }
        return message


class Writer:
    """The ASGI `send` of a stream's response, once the server's handler starts sending it (patriot.core.asgi_handler).

    With it the hub writes a live frame itself, at once, to a stream whose task is waiting with nothing queued: one
    `send` per stream and event, no wake-up of the stream's task and no pass through the response's iterators. Without
    it (Django's own handler, the test client) every frame goes through the stream's iterator, as before.
    """

    send: Send | None = None


def run_now(awaitable: Awaitable[None]) -> asyncio.Future[None] | None:
    """Run `awaitable` on this thread until it first has to wait: None when it finished without waiting (a `send`
    whose bytes the transport took), else a task that goes on from there (e.g. the client reads slowly and the
    server waits for its socket to drain). Exceptions raised before the first wait are raised here."""
    if not isinstance(awaitable, Coroutine):
        return asyncio.ensure_future(awaitable)
    coroutine = awaitable
    try:
        waiting_for = coroutine.send(None)
    except StopIteration:
        return None
    except BaseException:
        coroutine.close()
        raise
    return asyncio.ensure_future(_go_on(coroutine, waiting_for))


async def _go_on(coroutine: Coroutine[Any, Any, None], waiting_for: Any) -> None:
    await _Resumed(coroutine, waiting_for)


class _Resumed:
    """`coroutine`, stopped at `waiting_for` (what it yielded: a future), driven on by the task that awaits this."""

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_for: Any) -> None:
        self.coroutine = coroutine
        self.waiting_for = waiting_for

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, waiting_for = self.coroutine, self.waiting_for
        while True:
            try:
                value = yield waiting_for
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:
                try:
                    waiting_for = coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waiting_for = coroutine.send(value)
                except StopIteration:
                    return


@dataclass(eq=False)
class Subscription:
    """One connected stream: its filter, the last id it has sent, and the frames waiting for it.

    `audience` names who the filter is for (e.g. the subscriber's role and places): streams with the same
    audience accept the same events, so the hub asks the filter once per event and audience, not once per
    stream. None: a filter of its own, always asked. The hub hands frames over without a task or a timer of
    their own: `offer` appends and wakes the stream's single waiter.
    """

    accepts: Callable[[OutboxEvent], bool]
    public: bool
    sent: int
    replay_to: int
    limit: int
    audience: Hashable | None = None
    pending: deque[Frame] = field(default_factory=deque)
    overflowed: bool = False
    stopping: bool = False
    # Set by the hub when the stream has been quiet for a heartbeat's time; the stream sends a comment line.
    heartbeat_due: bool = False
    # Loop time of the stream's last write (the hub's heartbeat pass reads it).
    active_at: float = 0.0
    # The response's `send`, when the server's handler gave it (Writer): while the stream's task waits with nothing
    # queued, `offer` writes an accepted frame with it at once.
    send: Send | None = None
    # Such a write that had to wait for the client's socket (the task awaits it before anything else), or its error.
    writing: asyncio.Future[None] | None = None
    failed: BaseException | None = None
    _waiter: asyncio.Future[None] | None = None

    def offer(self, frame: Frame, *, accepted: bool | None = None) -> None:
        """Queue `frame` if this stream may have it (`accepted`: the filter's answer, when the hub knows it already)."""
        if self.overflowed or self.stopping or (frame.event.pk <= self.sent and not frame.late):
            return
        if self.public and frame.public is None:
            return
        if not (self.accepts(frame.event) if accepted is None else accepted):
            return
        if len(self.pending) >= self.limit:
            # Too slow to keep up: close the stream; the browser reconnects and replays from the database.
            self.overflowed = True
        elif self.send is not None and self.writing is None and self._waiter is not None and not self._waiter.done():
            # The task waits with nothing queued and no write under way: write it now, in order (nothing is before it).
            self._write_now(frame)
            return
        else:
            self.pending.append(frame)
        self._wake()

    def _write_now(self, frame: Frame) -> None:
        assert self.send is not None
        if not frame.late:
            self.sent = frame.event.pk
        self.active_at = asyncio.get_running_loop().time()
        try:
            self.writing = run_now(self.send(frame.message(self.public)))
        except Exception as error:
            # The stream is broken: its task logs this and ends it.
            self.failed = error
            self._wake()
            return
        if self.writing is not None:
            # It waits for the client: frames queue meanwhile; the task takes over once the write is done.
            self.writing.add_done_callback(lambda _task: self._wake())

    def stop(self) -> None:
        """This process is stopping: end the stream with a hint to reconnect soon (to the next process)."""
        if not self.stopping:
            self.stopping = True
            self._wake()

    def beat(self) -> None:
        self.heartbeat_due = True
        self._wake()

    def take(self) -> list[Frame]:
        """The frames queued so far, oldest first (the queue is empty afterwards)."""
        frames = list(self.pending)
        self.pending.clear()
        return frames

    async def wait(self) -> None:
        """Until there is something to send (frames or a heartbeat), the stream is to end, or a write by the hub
        has had to wait (`writing`) or failed."""
        if self.pending or self.overflowed or self.stopping or self.heartbeat_due or self.writing or self.failed:
            return
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


@dataclass(eq=False)
class Ticket:
    """A stream's place within the caps, held from admission until the stream ends (released once)."""

    hub: Hub
    address: str
    released: bool = False

    def release(self) -> None:
        self.hub.release(self)


class Hub:
    """This process's reader of the outbox, bound to one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.subscriptions: set[Subscription] = set()
        self.floor = 0  # every id up to here is delivered or given up
        self.top = 0  # the highest id read so far
        self.held: dict[int, Frame] = {}  # read, waiting for a lower id
        self.missing: dict[int, float] = {}  # id → when it was first found missing
        self.late: dict[int, float] = {}  # id given up → when (still looked for, LATE_WATCH_SECONDS)
        self.reads = 0
        self.given_up = 0
        self.delivered_late = 0
        self.grace = DEFAULT_GAP_GRACE_SECONDS  # read again from the settings whenever the hub starts
        self.stopping = False
        # Admitted streams per client address, and in all; tickets may be released from any thread.
        self.admitted: Counter[str] = Counter()
        self._admission_lock = threading.Lock()
        self._wake = asyncio.Event()
        self._start_lock = asyncio.Lock()
        self._running = False
        self._tasks: list[asyncio.Task[None]] = []

    # --- wake-ups from any thread

    def wake_threadsafe(self) -> None:
        # A closed loop raises RuntimeError: nothing listens on this hub any more.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._wake.set)

    @property
    def running(self) -> bool:
        """Whether the hub is reading for someone (no stream on this process: nothing to hand over)."""
        return self._running

    def absorb_threadsafe(self, frames: list[Frame]) -> None:
        """Frames read by another thread (after its commit), taken in on the loop like the hub's own reads."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._absorb_read, frames)

    def _absorb_read(self, frames: list[Frame]) -> None:
        if not self._running:
            return
        self._absorb(frames, time.monotonic())
        self._advance(time.monotonic(), self.grace)
        if self.missing or len(frames) >= BATCH_SIZE:
            # Ids to wait for (the hub times their grace and looks for them) or more than one batch: the hub reads.
            self._wake.set()

    # --- admission (any thread)

    def admit(self, address: str) -> Ticket | None:
        """A ticket for one more stream from `address`, or None when this process or that address is at its cap."""
        per_process = int(config.value("PATRIOT_SSE_MAX_STREAMS"))
        per_client = int(config.value("PATRIOT_SSE_MAX_STREAMS_PER_CLIENT"))
        with self._admission_lock:
            if self.admitted.total() >= per_process or self.admitted[address] >= per_client:
                return None
            self.admitted[address] += 1
        return Ticket(hub=self, address=address)

    def release(self, ticket: Ticket) -> None:
        with self._admission_lock:
            if ticket.released:
                return
            ticket.released = True
            self.admitted[ticket.address] -= 1
            if self.admitted[ticket.address] <= 0:
                del self.admitted[ticket.address]

    def stop_streams_threadsafe(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.stop_streams)

    def stop_streams(self) -> None:
        """End every stream of this process (it is shutting down) and every stream that starts from now on."""
        self.stopping = True
        for subscription in tuple(self.subscriptions):
            subscription.stop()

    # --- subscribers (on the loop)

    async def subscribe(
        self,
        accepts: Callable[[OutboxEvent], bool],
        *,
        public: bool,
        last_event_id: int | None,
        audience: Hashable | None = None,
    ) -> Subscription:
        """Register a stream. Without last_event_id it starts now; with it, ids above it are replayed first.
        Streams of one `audience` share the filter's answers (see Subscription)."""
        await self._ensure_running()
        # No await from here on: the floor read and the registration happen between two hub deliveries,
        # so every id above the floor reaches the queue and every id up to it is the replay's.
        boundary = self.floor
        after = boundary if last_event_id is None else last_event_id
        subscription = Subscription(
            accepts=accepts,
            public=public,
            sent=after,
            replay_to=boundary if after < boundary else after,
            limit=int(config.value("PATRIOT_SSE_QUEUE_LIMIT")),
            audience=audience,
            stopping=self.stopping,
            active_at=self.loop.time(),
        )
        self.subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscriptions.discard(subscription)

    async def _ensure_running(self) -> None:
        if self._running:
            return
        async with self._start_lock:
            if self._running:
                return
            newest = await off_loop(queries.latest_event_id)()
            self.floor = self.top = newest
            self.held.clear()
            self.missing.clear()
            self.late.clear()
            self.grace = config.value("PATRIOT_SSE_GAP_GRACE_SECONDS")
            self._running = True
            self._tasks = [self.loop.create_task(self._run(), name="patriot-events-hub")]
            if settings.PATRIOT_REDIS_URL:
                self._tasks.append(
                    self.loop.create_task(self._listen(settings.PATRIOT_REDIS_URL), name="patriot-events-redis")
                )

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._running = False

    # --- reading the outbox

    async def _run(self) -> None:
        poll = config.value("PATRIOT_SSE_POLL_SECONDS")
        grace = self.grace
        heartbeat = config.value("PATRIOT_SSE_HEARTBEAT_SECONDS")
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._timeout(min(poll, heartbeat), grace)):
                        await self._wake.wait()
                self._wake.clear()
                if not self.subscriptions:
                    break
                self._beat(heartbeat)
                try:
                    await self.catch_up(grace)
                except Exception:
                    logger.exception("Reading the outbox failed; retrying in %s s", poll)
                    await asyncio.sleep(poll)
        finally:
            # Synchronous from the emptiness check on: a new subscriber either saw us running or starts us anew.
            self._running = False
            for task in self._tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            self._tasks = []

    def _beat(self, heartbeat: float) -> None:
        """Ask every stream quiet for `heartbeat` seconds for a comment line (one pass here, no timer per stream)."""
        quiet_since = self.loop.time() - heartbeat
        for subscription in self.subscriptions:
            if subscription.active_at <= quiet_since:
                subscription.beat()

    def _timeout(self, poll: float, grace: float) -> float:
        if not self.missing:
            return poll
        first_expiry = min(self.missing.values()) + grace - time.monotonic()
        return max(0.01, min(poll, first_expiry))

    async def catch_up(self, grace: float) -> None:
        """Read every new row (and every awaited one that appeared), then deliver what is in order."""
        while True:
            frames = await off_loop(read_after)(self.top, self.missing.keys() | self.late.keys(), BATCH_SIZE)
            self.reads += 1
            self._absorb(frames, time.monotonic())
            self._advance(time.monotonic(), grace)
            if len(frames) < BATCH_SIZE:
                return

    def _absorb(self, frames: list[Frame], now: float) -> None:
        previous_top = self.top
        for frame in frames:
            pk = frame.event.pk
            if self.late.pop(pk, None) is not None:
                self.delivered_late += 1
                logger.info("Outbox id %d appeared after it was given up; delivering it late", pk)
                self._deliver(frame.arrived_late())
                continue
            if pk <= self.floor or pk in self.held:
                continue
            self.held[pk] = frame
            self.missing.pop(pk, None)
            self.top = max(self.top, pk)
        if self.top - previous_top - 1 > MAX_TRACKED_GAP + BATCH_SIZE:
            logger.warning("Outbox ids jumped from %d to %d; not waiting for the ids between", previous_top, self.top)
            return
        for pk in range(previous_top + 1, self.top):
            if pk not in self.held:
                self.missing.setdefault(pk, now)

    def _advance(self, now: float, grace: float) -> None:
        if self.late:
            self.late = {pk: since for pk, since in self.late.items() if now - since < LATE_WATCH_SECONDS}
        while True:
            following = self.floor + 1
            if following in self.held:
                self.floor = following
                self._deliver(self.held.pop(following))
            elif following in self.missing:
                if now - self.missing[following] < grace:
                    return
                del self.missing[following]
                self.floor = following
                self.given_up += 1
                self.late[following] = now
                logger.info("Outbox id %d never appeared within %.1f s; going on without it", following, grace)
            elif following <= self.top:
                # Ids neither read nor awaited: a jump not waited for.
                pending = self.held.keys() | self.missing.keys()
                self.floor = min(pending) - 1 if pending else self.top
            else:
                return

    def _deliver(self, frame: Frame) -> None:
        """Offer `frame` to every stream, asking each audience's filter once."""
        answers: dict[Hashable, bool] = {}
        for subscription in tuple(self.subscriptions):
            key = subscription.audience
            if key is None:
                subscription.offer(frame)
                continue
            accepted = answers.get(key)
            if accepted is None:
                accepted = answers[key] = subscription.accepts(frame.event)
            subscription.offer(frame, accepted=accepted)

    # --- Redis wake-ups

    async def _listen(self, url: str) -> None:
        """Wake the hub on every other process's commit; after an outage, reconnect and catch up."""
        import redis.asyncio as redis

        delay = redis_health.RETRY_SECONDS[0]
        timeout = settings.PATRIOT_REDIS_TIMEOUT_SECONDS
        while True:
            client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(redis_channel())
                # The subscription is confirmed before Redis counts as reachable again.
                await self._next_message(pubsub, PONG_WAIT_SECONDS)
                redis_health.breaker.succeeded()
                delay = redis_health.RETRY_SECONDS[0]
                # Whatever happened while we were not listening is in the outbox: read it now.
                self._wake.set()
                await self._relay(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                redis_health.breaker.failed(error)
            finally:
                await _quietly_close(pubsub, client)
            await asyncio.sleep(delay)
            delay = min(delay * 2, redis_health.RETRY_SECONDS[1])

    async def _relay(self, pubsub: PubSub) -> None:
        """Wake the hub on each other process's message; ping a quiet connection and give up on a silent one."""
        while True:
            try:
                message = await self._next_message(pubsub, PING_EVERY_SECONDS)
            except TimeoutError:
                await pubsub.ping()
                message = await self._next_message(pubsub, PONG_WAIT_SECONDS)
            if message.get("type") == "message" and message.get("data") != PROCESS_TOKEN.encode():
                self._wake.set()

    @staticmethod
    async def _next_message(pubsub: PubSub, within: float) -> dict[str, object]:
        """The next message of any type (subscribe confirmation, pong, message); TimeoutError after `within` s."""
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            message = await pubsub.get_message(timeout=left)
            if message is not None:
                return message
        raise TimeoutError(f"no answer from Redis within {within:.1f} s")


async def _quietly_close(*resources: object) -> None:
    for resource in resources:
        # The connection may be gone already.
        with contextlib.suppress(Exception):
            await resource.aclose()  # type: ignore[attr-defined]  # redis clients and pubsubs, all with aclose()


_hub: Hub | None = None


def current_hub() -> Hub:
    """The hub of the running event loop (a new one when the loop changed, as between test runs)."""
    global _hub
    loop = asyncio.get_running_loop()
    if _hub is None or _hub.loop is not loop:
        _hub = Hub(loop)
    return _hub


# Set once this process is told to stop: a stream that opens from then on ends at once too.
_stopping = False


def stop_all_streams() -> None:
    """From any thread (a signal handler): end this process's streams, each with a hint to reconnect soon."""
    global _stopping
    _stopping = True
    hub = _hub
    if hub is not None:
        hub.stop_streams_threadsafe()


# --- one stream -------------------------------------------------------------------------------


def admit(address: str) -> Ticket | None:
    """Admission of one more stream from `address` on this process (None: at a cap, answer 429)."""
    return current_hub().admit(address)


async def stream(
    ticket: Ticket,
    accepts: Callable[[OutboxEvent], bool],
    *,
    public: bool,
    last_event_id: int | None,
    audience: Hashable | None = None,
    writer: Writer | None = None,
) -> AsyncIterator[bytes]:
    """The bytes of one SSE stream: retry, the replay after last_event_id (or `reload` when that is too much),
    then live events and heartbeats; `GOODBYE` when the process stops. The ticket is released at the end.
    With a `writer` whose `send` is set by the time the replay is done, the hub writes live frames with that `send`
    itself while the stream waits (Writer): they are not yielded here.
    """
    hub = ticket.hub
    try:
        if _stopping:
            hub.stop_streams()
        subscription = await hub.subscribe(accepts, public=public, last_event_id=last_event_id, audience=audience)
        try:
            yield sse.RETRY
            async for chunk in _replay(subscription):
                yield chunk
            subscription.send = writer.send if writer is not None else None
            while not subscription.stopping:
                await subscription.wait()
                if subscription.writing is not None:
                    # The hub's write that had to wait for the client: it goes out before anything queued after it.
                    await subscription.writing
                    subscription.writing = None
                if subscription.failed is not None:
                    logger.warning("Writing to a live stream failed; ending it", exc_info=subscription.failed)
                    break
                if subscription.stopping:
                    break
                # Everything queued since the last write goes out as one chunk: one write however many events.
                chunks = []
                for frame in subscription.take():
                    if frame.late:
                        chunks.append(frame.wire(public))
                    elif frame.event.pk > subscription.sent:
                        subscription.sent = frame.event.pk
                        chunks.append(frame.wire(public))
                if subscription.heartbeat_due:
                    subscription.heartbeat_due = False
                    if not chunks:
                        chunks.append(sse.HEARTBEAT)
                if chunks:
                    subscription.active_at = hub.loop.time()
                    yield b"".join(chunks)
                if subscription.overflowed:
                    # Too slow: what was queued before the limit has gone out; the browser reconnects and replays.
                    break
            if subscription.stopping:
                yield sse.GOODBYE
        finally:
            hub.unsubscribe(subscription)
            subscription.send = None
            if subscription.writing is not None and not subscription.writing.done():
                subscription.writing.cancel()
    finally:
        ticket.release()


async def _replay(subscription: Subscription) -> AsyncIterator[bytes]:
    """What the subscriber missed, read in batches off the loop; a `reload` instead when it missed too much."""
    missed = subscription.sent < subscription.replay_to
    if missed and await off_loop(replay_too_long)(subscription.sent, subscription.replay_to):
        subscription.sent = subscription.replay_to
        yield sse.reload(subscription.replay_to)
        return
    while subscription.sent < subscription.replay_to and not subscription.stopping:
        last, chunk = await off_loop(replay_batch)(
            subscription.sent, subscription.replay_to, subscription.accepts, public=subscription.public
        )
        if last is None:
            break
        subscription.sent = last
        if chunk:
            yield chunk
    subscription.sent = max(subscription.sent, subscription.replay_to)


def snapshot(accepts: Callable[[OutboxEvent], bool], *, public: bool, last_event_id: int | None) -> list[bytes]:
    """A finite stream for servers that cannot stream (WSGI, e.g. Django's test server): what happened after
    last_event_id (or `reload` when that is too much), then `id:` of the newest event, so the browser reconnects
    after `retry` from there.
    """
    newest = queries.latest_event_id()
    chunks = [sse.RETRY]
    after = newest if last_event_id is None else last_event_id
    if after < newest and replay_too_long(after, newest):
        return [*chunks, sse.reload(newest)]
    while after < newest:
        last, chunk = replay_batch(after, newest, accepts, public=public)
        if last is None:
            break
        chunks.append(chunk)
        after = last
    chunks.append(f"id: {newest}\n\n".encode())
    return chunks
