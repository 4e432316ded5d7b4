"""Live dashboard updates: who tells whom, and how often. Call `notify_attendance` only after commit:

    transaction.on_commit(lambda: notify_attendance(session_id))

Writers only mark the session changed. Per server process, a *notifier* on the event loop passes
changes on at most every NOTIFY_INTERVAL: straight to this process's screens, and as one tiny
group message ("session N changed") through the channel layer to the other server processes.

Screens do not sit on the channel layer one by one. Each process has one *relay* per event loop:
it joins a session's group while it holds screens of that session and, on a change, reads ONE
snapshot (a few queries, on a database thread), serialises only the views its screens show (the
national view, or a province's) once each, and writes them to its sockets — at most once per
`settings.ATTENDANCE_BROADCAST_INTERVAL` per session; the first change after a quiet spell goes
out at once. So a burst of 100 check-ins a second costs each process a few snapshot reads a
second, a process with no screens reads nothing, and the channel layer carries one message per
process, not one per screen (channels' in-memory layer scans every channel on each receive, and
Redis would carry 500 copies of every update).

Messages carry absolute counts, so a lost one heals with the next. A channel layer that is down
never fails a check-in: this process's screens still get their updates, the notifier retries the
group message with a growing pause, and the relay joins its groups again when the layer is back
and refreshes its screens.
"""
import asyncio
import contextlib
import contextvars
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass, field

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from attendance.db_threads import run_on_db_thread
from attendance.groups import attendance_group
from attendance.selectors import dashboard_view, dashboard_views, get_attendance_snapshot

logger = logging.getLogger(__name__)

EVENT_TYPE = "attendance.changed"
# How often one process tells the others about its check-ins (a few bytes per session).
NOTIFY_INTERVAL = 0.05
MAX_RETRY_SECONDS = 10.0


def broadcast_interval():
    return settings.ATTENDANCE_BROADCAST_INTERVAL


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@dataclass
class DashboardPayloads:
    """Views of one snapshot, each serialised to JSON once: national, and per province code."""

    session_id: int
    generated_at: float
    national: str | None
    provinces: dict = field(default_factory=dict)  # province code -> JSON text

    def for_province(self, code):
        return self.national if code is None else self.provinces.get(code)


def build_dashboard_payloads(session_id, scopes=None):
    """Read one snapshot and serialise the views in `scopes` (province codes; None in it: the
    national view). Without scopes: the national view and all 77 provinces'."""
    snapshot = get_attendance_snapshot(session_id, feeds=None if scopes is None else set(scopes))
    if snapshot is None:
        return None
    if scopes is None:
        national, provinces = dashboard_views(snapshot)
        national, provinces = _dumps(national), {code: _dumps(view) for code, view in provinces.items()}
    else:
        national = _dumps(dashboard_view(snapshot)) if None in scopes else None
        provinces = {code: _dumps(dashboard_view(snapshot, code)) for code in scopes if code is not None}
    return DashboardPayloads(snapshot["session_id"], snapshot["generated_at"], national, provinces)


def _changed_event(session_id):
    """The group message telling relays that a session's attendance changed."""
    return {"type": EVENT_TYPE, "session_id": session_id}


class _Coalescer:
    """Runs `send(session_id)` for changed sessions on one event loop: at most one round per
    interval, the first change after a quiet spell at once; a failed round is retried later
    with a growing pause."""

    def __init__(self, loop, interval, send, name):
        self.loop = loop
        self.interval = interval  # a callable: settings may change while the server runs (tests)
        self.send = send
        self.name = name
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
            return  # a round is due or running; it (or the one it schedules) takes this change
        delay = max(0.0, self.next_allowed - self.loop.time())
        self.timer = self.loop.call_later(delay, self._start)

    def _start(self):
        self.timer = None
        self.task = self.loop.create_task(self._round())

    async def _round(self):
        interval = self.interval()
        self.next_allowed = self.loop.time() + interval
        sessions, self.dirty = self.dirty, set()
        failed, error = [], None
        for session_id in sorted(sessions):
            try:
                await self.send(session_id)
            except Exception as exc:  # layer or database down: keep the session dirty and retry later
                failed.append(session_id)
                error = exc
        if failed:
            self.dirty.update(failed)
            self.failures += 1
            pause = min(max(interval, 0.05) * 2**self.failures, MAX_RETRY_SECONDS)
            self.next_allowed = self.loop.time() + pause
            log = logger.warning if self.failures == 1 else logger.debug
            log("attendance broadcast (%s) for sessions %s failed; retrying in %.1f s", self.name, failed, pause, exc_info=error)
        else:
            if self.failures:
                logger.info("attendance broadcasts (%s) delivered again after %s failed attempts", self.name, self.failures)
            self.failures = 0
        self.task = None
        if self.dirty:
            self._schedule()

    async def flush_now(self):
        """Run what is pending without waiting for the interval (tests, shutdown)."""
        if self.task is not None:
            await asyncio.shield(self.task)
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        if self.dirty:
            self.next_allowed = 0.0
            self.task = self.loop.create_task(self._round())
            await asyncio.shield(self.task)


class _Relay:
    """This event loop's screens: joins their sessions' groups, and updates them on a change."""

    def __init__(self, loop):
        self.loop = loop
        self.screens = {}  # session id -> {screen: province code or None}
        self.layer = None
        self.channel = None
        self.receiver = None
        self.joined = set()
        self.rejoin = False  # a join failed: the receiver joins again before it listens
        self.updates = _Coalescer(loop, broadcast_interval, self._update_screens, "screens")
        self.reads = {}  # session id -> future of a snapshot read screens that connect together share
        self.read_locks = {}

    # --- screens ---------------------------------------------------------------------------

    async def attach(self, screen, session_id, province):
        """Register a screen, then send it a snapshot read after it joined: a change committed
        after that read reaches it as an update."""
        self.screens.setdefault(session_id, {})[screen] = province
        await self._join(session_id)
        payloads = await self._shared_read(session_id)
        if payloads is not None:
            await screen.show("snapshot", payloads)

    async def detach(self, screen):
        for session_id, screens in list(self.screens.items()):
            if screen in screens:
                del screens[screen]
                if not screens:
                    del self.screens[session_id]
                    await self._leave(session_id)
        if not self.screens and self.receiver is not None:
            self.receiver.cancel()
            self.receiver = None

    def changed(self, session_id):
        if session_id in self.screens:
            self.updates.mark_dirty(session_id)

    async def _update_screens(self, session_id):
        screens = self.screens.get(session_id)
        if not screens:
            return
        payloads = await run_on_db_thread(build_dashboard_payloads, session_id, set(screens.values()))
        if payloads is None:  # the session was deleted meanwhile
            return
        for screen in list(screens):
            try:
                await screen.show("update", payloads)
            except Exception:  # one closed socket must not keep the others waiting
                logger.debug("dashboard screen update failed", exc_info=True)

    async def _shared_read(self, session_id):
        """Screens that connect together (a reconnect storm) share one read, started after they joined."""
        future = self.reads.get(session_id)
        if future is None:
            future = self.reads[session_id] = self.loop.create_future()
            self.loop.create_task(self._read_for_screens(session_id, future))
        return await asyncio.shield(future)

    async def _read_for_screens(self, session_id, future):
        lock = self.read_locks.setdefault(session_id, asyncio.Lock())
        async with lock:
            if self.reads.get(session_id) is future:
                del self.reads[session_id]
            scopes = set(self.screens.get(session_id, {}).values()) or {None}
            try:
                future.set_result(await run_on_db_thread(build_dashboard_payloads, session_id, scopes))
            except Exception as exc:
                future.set_exception(exc)

    # --- channel layer -----------------------------------------------------------------------

    def _current_layer(self):
        layer = get_channel_layer()
        if layer is not self.layer:  # first use, or settings changed the layer (tests)
            if self.receiver is not None:
                self.receiver.cancel()
                self.receiver = None
            self.layer, self.channel, self.joined, self.rejoin = layer, None, set(), False
        return layer

    async def _join(self, session_id):
        layer = self._current_layer()
        if layer is None:
            return
        try:
            if self.channel is None:
                self.channel = await layer.new_channel(prefix="attendance-relay")
            if session_id not in self.joined:
                await layer.group_add(attendance_group(session_id), self.channel)
                self.joined.add(session_id)
        except Exception:
            # This process's own check-ins still reach the screen; the receiver joins again.
            self.rejoin = True
            logger.warning("dashboard relay could not join session %s on the channel layer", session_id, exc_info=True)
        if self.receiver is None and self.channel is not None:
            self.receiver = self.loop.create_task(self._receive(layer, self.channel))

    async def _leave(self, session_id):
        if session_id in self.joined and self.layer is not None:
            self.joined.discard(session_id)
            try:
                await self.layer.group_discard(attendance_group(session_id), self.channel)
            except Exception:
                logger.debug("dashboard relay could not leave session %s", session_id, exc_info=True)

    async def _receive(self, layer, channel):
        failures = 0
        while True:
            try:
                if failures or self.rejoin:
                    await self._rejoin(layer, channel)
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                pause = min(0.1 * 2**failures, MAX_RETRY_SECONDS)
                (logger.warning if failures == 1 else logger.debug)(
                    "dashboard relay lost the channel layer; retrying in %.1f s", pause, exc_info=True
                )
                await asyncio.sleep(pause)
                continue
            if failures:
                failures = 0
            if message.get("type") == EVENT_TYPE:
                self.changed(int(message["session_id"]))

    async def _rejoin(self, layer, channel):
        """Join every session with screens again (the layer may have lost its groups), then refresh
        those screens: changes made elsewhere while the layer was away reached nobody."""
        for session_id in list(self.screens):
            await layer.group_add(attendance_group(session_id), channel)
            self.joined.add(session_id)
            self.changed(session_id)
        self.rejoin = False

    async def close(self):
        """Leave every group and stop receiving (a server or a test's event loop about to stop)."""
        for session_id in list(self.joined):
            await self._leave(session_id)
        self.screens.clear()
        if self.receiver is not None:
            self.receiver.cancel()
            await asyncio.gather(self.receiver, return_exceptions=True)
            self.receiver = None


class _Notifier(_Coalescer):
    """Passes this process's changes on: to its own screens at once, to other processes via the layer."""

    def __init__(self, loop, relay):
        super().__init__(loop, lambda: min(NOTIFY_INTERVAL, broadcast_interval()), self._send, "processes")
        self.relay = relay

    def mark_dirty(self, session_id):
        self.relay.changed(session_id)  # never through the layer: works while it is down
        super().mark_dirty(session_id)

    async def _send(self, session_id):
        layer = get_channel_layer()
        if layer is not None:
            await layer.group_send(attendance_group(session_id), _changed_event(session_id))


_registry_lock = threading.Lock()
_per_loop = weakref.WeakKeyDictionary()  # event loop -> (_Notifier, _Relay)


def _for_loop(loop):
    with _registry_lock:
        pair = _per_loop.get(loop)
        if pair is None:
            relay = _Relay(loop)
            pair = _per_loop[loop] = (_Notifier(loop, relay), relay)
        return pair


_serving = threading.local()


@contextlib.contextmanager
def serving_loop(loop):
    """Declare, for code run in this thread, the server's event loop it works for (a database
    thread draining the check-in queue is not started by asgiref, which records it otherwise)."""
    previous = getattr(_serving, "loop", None)
    _serving.loop = loop
    try:
        yield
    finally:
        _serving.loop = previous


def _server_loop():
    """The long-lived event loop serving this thread's request, or None in plain sync code.

    Sync views, database threads and `database_sync_to_async` run in worker threads that asgiref
    ties to the server's loop (the same lookup `async_to_sync` does); management commands have none.
    """
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        pass
    loop = getattr(_serving, "loop", None)
    if loop is not None and loop.is_running() and not loop.is_closed():
        return loop
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is not None and getattr(local, "main_event_loop_pid", None) == os.getpid():
        if loop.is_running() and not loop.is_closed():
            return loop
    return None


def _mark_dirty(loop, session_id):
    _for_loop(loop)[0].mark_dirty(session_id)


def _send_now(session_id):
    """Without a server loop there is nothing to coalesce on and no screen here: tell the others now."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(attendance_group(session_id), _changed_event(session_id))


def notify_attendance(session_id):
    """Schedule a coalesced dashboard update for the session. Never raises; call after commit."""
    try:
        session_id = int(session_id)
        loop = _server_loop()
        if loop is None:
            _send_now(session_id)
        else:
            # A fresh context: the notifier must not inherit the request's (asgiref marks the
            # worker thread's context, and its locale or user have no business in a broadcast).
            loop.call_soon_threadsafe(_mark_dirty, loop, session_id, context=contextvars.Context())
    except Exception:  # the layer being down must not undo or fail a recorded check-in
        logger.warning("attendance broadcast for session %s failed", session_id, exc_info=True)


async def attach_screen(screen, session_id, province):
    """Feed a connected dashboard socket: a snapshot now, updates after every change.

    `screen.show(kind, payloads)` is called with kind "snapshot" or "update"."""
    await _for_loop(asyncio.get_running_loop())[1].attach(screen, int(session_id), province)


async def detach_screen(screen):
    await _for_loop(asyncio.get_running_loop())[1].detach(screen)


async def close_attendance_relay():
    """Stop this event loop's relay: its groups are left and its receiver stopped."""
    await _for_loop(asyncio.get_running_loop())[1].close()


async def flush_attendance_broadcasts():
    """Send every pending change of this event loop now, and update its screens (tests; shutdown)."""
    notifier, relay = _for_loop(asyncio.get_running_loop())
    await notifier.flush_now()
    await relay.updates.flush_now()
