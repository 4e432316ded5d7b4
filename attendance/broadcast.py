"""Tell live dashboards that a session's attendance changed. Call only after commit:

    transaction.on_commit(lambda: notify_attendance(session_id))

A burst of check-ins must not become a burst of messages on every screen, so broadcasts are
*coalesced* per server process: `notify_attendance` only marks the session dirty; a broadcaster
living on the server's event loop reads one snapshot per session at most once per
`settings.ATTENDANCE_BROADCAST_INTERVAL` seconds (the first change after a quiet spell goes out at
once), serialises every screen's view once, and sends it all in ONE group message. Consumers
forward the text they need without touching the database.

Messages carry absolute counts, so a lost one heals with the next. A channel layer that is down
never fails the check-in that triggered the message: errors are logged, the session stays dirty
and the broadcaster retries with a growing pause (screens that reconnect get a fresh snapshot).
"""
import asyncio
import contextvars
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field

from asgiref.sync import SyncToAsync, async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from attendance.groups import attendance_group
from attendance.selectors import dashboard_views, get_attendance_snapshot

logger = logging.getLogger(__name__)

EVENT_TYPE = "attendance.updated"
MAX_RETRY_SECONDS = 10.0


def broadcast_interval():
    return settings.ATTENDANCE_BROADCAST_INTERVAL


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass
class DashboardPayloads:
    """Every screen's view of one snapshot, each serialised to JSON once."""

    session_id: int
    generated_at: float
    national: str
    provinces: dict = field(default_factory=dict)  # province code -> JSON text

    def for_province(self, code):
        return self.national if code is None else self.provinces.get(code)

    def as_event(self):
        # Strings only: the in-memory layer deep-copies a message once per member, Redis
        # serialises it once per server process; neither should walk a nested structure.
        return {
            "type": EVENT_TYPE,
            "session_id": self.session_id,
            "generated_at": self.generated_at,
            "national": self.national,
            "provinces": _dumps(self.provinces),
        }


def build_dashboard_payloads(session_id):
    """Read one snapshot (a few queries) and serialise the national and 77 provincial views."""
    snapshot = get_attendance_snapshot(session_id)
    if snapshot is None:
        return None
    national, provinces = dashboard_views(snapshot)
    return DashboardPayloads(
        session_id=snapshot["session_id"],
        generated_at=snapshot["generated_at"],
        national=_dumps(national),
        provinces={code: _dumps(view) for code, view in provinces.items()},
    )


# Thread-sensitive, like the rest of channels' database access: reads share one worker thread,
# which keeps SQLite (one writer, table locks in shared-cache mode) happy. Django runs each HTTP
# request in a thread of its own, so check-ins are not queued behind these reads.
_read_payloads = database_sync_to_async(build_dashboard_payloads)


async def _broadcast(session_id):
    payloads = await _read_payloads(session_id)
    if payloads is None:  # the session was deleted meanwhile
        return
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(attendance_group(session_id), payloads.as_event())


class _Broadcaster:
    """Coalesces notifications on one event loop: at most one send per interval, per session."""

    def __init__(self, loop):
        self.loop = loop
        self.dirty = set()
        self.timer = None
        self.task = None
        self.next_allowed = 0.0
        self.failures = 0

    def mark_dirty(self, session_id):
        self.dirty.add(session_id)
        self._schedule()

    def _schedule(self):
        if self.timer is not None or self.task is not None:
            return  # a flush is due or running; it (or the one it schedules) takes this change
        delay = max(0.0, self.next_allowed - self.loop.time())
        self.timer = self.loop.call_later(delay, self._start)

    def _start(self):
        self.timer = None
        self.task = self.loop.create_task(self._flush())

    async def _flush(self):
        interval = broadcast_interval()
        self.next_allowed = self.loop.time() + interval
        sessions, self.dirty = self.dirty, set()
        failed, error = [], None
        for session_id in sorted(sessions):
            try:
                await _broadcast(session_id)
            except Exception as exc:  # layer or database down: keep the session dirty and retry later
                failed.append(session_id)
                error = exc
        if failed:
            self.dirty.update(failed)
            self.failures += 1
            pause = min(max(interval, 0.05) * 2**self.failures, MAX_RETRY_SECONDS)
            self.next_allowed = self.loop.time() + pause
            log = logger.warning if self.failures == 1 else logger.debug
            log("attendance broadcast for sessions %s failed; retrying in %.1f s", failed, pause, exc_info=error)
        else:
            if self.failures:
                logger.info("attendance broadcasts delivered again after %s failed attempts", self.failures)
            self.failures = 0
        self.task = None
        if self.dirty:
            self._schedule()

    async def flush_now(self):
        """Send what is pending without waiting for the interval (tests, shutdown)."""
        if self.task is not None:
            await asyncio.shield(self.task)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.dirty:
            self.next_allowed = 0.0
            self.task = self.loop.create_task(self._flush())
            await asyncio.shield(self.task)


class _SnapshotLoader:
    """Screens that connect together (a reconnect storm) share one read.

    A read is shared only by callers that asked before it started, i.e. after they joined the
    group: a check-in committed before that read is in the snapshot, one committed after it
    reaches them as an update.
    """

    def __init__(self, loop):
        self.loop = loop
        self.waiting = {}
        self.locks = {}

    async def load(self, session_id):
        future = self.waiting.get(session_id)
        if future is None:
            future = self.loop.create_future()
            self.waiting[session_id] = future
            self.loop.create_task(self._read(session_id, future))
        return await asyncio.shield(future)

    async def _read(self, session_id, future):
        lock = self.locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            if self.waiting.get(session_id) is future:
                del self.waiting[session_id]
            try:
                future.set_result(await _read_payloads(session_id))
            except Exception as exc:
                future.set_exception(exc)


_registry_lock = threading.Lock()
_per_loop = weakref.WeakKeyDictionary()  # event loop -> (_Broadcaster, _SnapshotLoader)


def _for_loop(loop):
    with _registry_lock:
        pair = _per_loop.get(loop)
        if pair is None:
            pair = _per_loop[loop] = (_Broadcaster(loop), _SnapshotLoader(loop))
        return pair


def _server_loop():
    """The long-lived event loop serving this thread's request, or None in plain sync code.

    Sync views and `database_sync_to_async` run in worker threads that asgiref ties to the
    server's loop (the same lookup `async_to_sync` does); management commands have none.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is not None and getattr(local, "main_event_loop_pid", None) == os.getpid():
        if loop.is_running() and not loop.is_closed():
            return loop
    return None


def _mark_dirty(loop, session_id):
    _for_loop(loop)[0].mark_dirty(session_id)


def _send_now(session_id):
    """Without a server loop there is nothing to coalesce on: send one update straight away."""
    payloads = build_dashboard_payloads(session_id)
    layer = get_channel_layer()
    if payloads is not None and layer is not None:
        async_to_sync(layer.group_send)(attendance_group(session_id), payloads.as_event())


def notify_attendance(session_id):
    """Schedule a coalesced dashboard update for the session. Never raises; call after commit."""
    try:
        session_id = int(session_id)
        loop = _server_loop()
        if loop is None:
            _send_now(session_id)
        else:
            # A fresh context: the broadcaster must not inherit the request's (asgiref marks the
            # worker thread's context, and its locale or user have no business in a broadcast).
            loop.call_soon_threadsafe(_mark_dirty, loop, session_id, context=contextvars.Context())
    except Exception:  # the layer being down must not undo or fail a recorded check-in
        logger.warning("attendance broadcast for session %s failed", session_id, exc_info=True)


async def load_dashboard_payloads(session_id):
    """A fresh snapshot's views for a connecting screen (shared with screens connecting together)."""
    return await _for_loop(asyncio.get_running_loop())[1].load(int(session_id))


async def flush_attendance_broadcasts():
    """Send every pending update of this event loop now (tests; a server about to stop)."""
    await _for_loop(asyncio.get_running_loop())[0].flush_now()
