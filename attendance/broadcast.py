"""Live dashboard updates, on Channels' public API. Call `notify_attendance` only after commit:

    transaction.on_commit(lambda: notify_attendance(session_id))

A change is one small group message ("session N changed") sent through the channel layer to the
session's group. Under the ASGI server (`serve_broadcasts` in config/asgi.py) the request hands it to
the server's event loop and answers at once; one message per session is in flight at a time. Every server process, the one that took the check-in included, learns of it the
same way, so each process acts once per change (no second, direct notice to its own screens).

Screens do not sit on the channel layer one by one. Each server process has one *relay* per event
loop: it joins a session's group while it holds screens of that session and, told of a change,
reads ONE snapshot (a few queries) at most every `settings.ATTENDANCE_BROADCAST_INTERVAL` per
session (the first change after a quiet spell at once), serialises only the views its screens
show (national, or a province's) once each, and writes them to its sockets. So a burst of
check-ins costs a process a few snapshot reads a second, and the channel layer carries one message
per change and process, not one per screen.

Messages carry absolute counts, so a lost one heals with the next. A channel layer that is down
never fails a check-in (the send gives up after SEND_TIMEOUT and is logged); the relay logs the
loss once, at warning level, joins its groups again when the layer is back, says how long it was
gone, and refreshes its screens.
"""

import asyncio
import contextlib
import itertools
import json
import logging
import threading
import time
import weakref
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings

from attendance.groups import attendance_group
from attendance.selectors import dashboard_view, dashboard_views, get_attendance_snapshot, view_changes

logger = logging.getLogger(__name__)

EVENT_TYPE = "attendance.changed"
# A check-in never waits longer than this for the channel layer.
SEND_TIMEOUT = 2.0
MAX_RETRY_SECONDS = 10.0


def broadcast_interval():
    return settings.ATTENDANCE_BROADCAST_INTERVAL


def _dumps(data):
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


_reads = itertools.count(1)


@dataclass
class DashboardPayloads:
    """Views of one snapshot, each serialised to JSON once: national, and per province code.

    A screen that already shows an earlier read gets only what changed since (`message_for`):
    the changes from one earlier read to this one are serialised once per view, whatever the
    number of screens that show it."""

    session_id: int
    generated_at: float
    national: str | None
    provinces: dict = field(default_factory=dict)  # province code -> JSON text
    views: dict = field(default_factory=dict, repr=False)  # province code or None -> view
    serial: int = field(default_factory=lambda: next(_reads))  # this read's number in the process
    patches: dict = field(default_factory=dict, repr=False)  # (serial of an earlier read, code) -> JSON text, "" or None

    def for_province(self, code):
        return self.national if code is None else self.provinces.get(code)

    def message_for(self, code, shown):
        """(kind, JSON text) for a screen of view `code` that shows the read `shown` (None: nothing
        yet): "patch" with the changes since `shown`, text None when nothing it shows changed;
        "update" with the whole view when changes cannot say it (rows came or went)."""
        if shown is not None and code in self.views and code in shown.views:
            key = (shown.serial, code)
            if key not in self.patches:
                changes = view_changes(shown.views[code], self.views[code])
                self.patches[key] = None if changes is None else (_dumps(changes) if changes else "")
            text = self.patches[key]
            if text is not None:
                return "patch", text or None
        return "update", self.for_province(code)


def build_dashboard_payloads(session_id, scopes=None):
    """Read one snapshot and serialise the views in `scopes` (province codes; None in it: the
    national view). Without scopes: the national view and all 77 provinces'."""
    snapshot = get_attendance_snapshot(session_id, feeds=None if scopes is None else set(scopes))
    if snapshot is None:
        return None
    if scopes is None:
        national, provinces = dashboard_views(snapshot)
        views = {None: national, **provinces}
    else:
        views = {code: dashboard_view(snapshot, code) for code in scopes}
    national = _dumps(views[None]) if None in views else None
    provinces = {code: _dumps(view) for code, view in views.items() if code is not None}
    return DashboardPayloads(snapshot["session_id"], snapshot["generated_at"], national, provinces, views)


def changed_event(session_id):
    """The group message telling relays that a session's attendance changed."""
    return {"type": EVENT_TYPE, "session_id": int(session_id)}


# --- sending --------------------------------------------------------------------------------


class _Outage:
    """Logs a lost channel layer once at warning level, and its return with how long it was gone."""

    def __init__(self, what):
        self.what = what
        self.since = None
        self.lock = threading.Lock()

    def failed(self, error):
        with self.lock:
            first, self.since = self.since is None, self.since or time.monotonic()
        if first:
            logger.warning("%s lost the channel layer: %s: %s", self.what, type(error).__name__, error)

    def succeeded(self):
        with self.lock:
            since, self.since = self.since, None
        if since is not None:
            logger.warning("%s has the channel layer again after %.1f s", self.what, time.monotonic() - since)


_sending = _Outage("attendance broadcasts")


async def send_changed(session_id):
    """Tell every server process's relay that the session changed. Never raises."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await asyncio.wait_for(layer.group_send(attendance_group(session_id), changed_event(session_id)), SEND_TIMEOUT)
    except Exception as error:  # the layer down or slow: the check-in stands; screens heal with the next change
        _sending.failed(error)
    else:
        _sending.succeeded()


class _Sender:
    """A server event loop's sends: at most one group message in flight per session. Changes
    that come while it is on its way are told by one more message when it returns, so one check-in
    a second sends one message each, and a burst sends a few, not one per check-in."""

    def __init__(self, loop):
        self.loop = loop
        self.in_flight = set()
        self.again = set()
        self.tasks = set()  # the loop keeps only weak references to tasks

    def changed(self, session_id):
        if session_id in self.in_flight:
            self.again.add(session_id)
            return
        self.in_flight.add(session_id)
        task = self.loop.create_task(self._send(session_id))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, session_id):
        try:
            while True:
                await send_changed(session_id)
                if session_id not in self.again:
                    return
                self.again.discard(session_id)
        finally:
            self.in_flight.discard(session_id)


_server = {"loop": None, "sender": None}


def serve_broadcasts(app):
    """ASGI middleware (config/asgi.py): this process's broadcasts go out on the server's event
    loop, so a check-in answers without waiting for the channel layer, and its database connection
    goes back to the pool at once."""

    async def app_with_broadcasts(scope, receive, send):
        loop = asyncio.get_running_loop()
        if _server["loop"] is not loop:
            _server["loop"], _server["sender"] = loop, _Sender(loop)
        await app(scope, receive, send)

    return app_with_broadcasts


def notify_attendance(session_id):
    """Tell the dashboards that a session's attendance changed. Call after commit; never raises.

    Under the ASGI server the message is handed to the server's event loop and sent from there;
    elsewhere (WSGI, a management command, the test client) it is sent before returning."""
    session_id = int(session_id)
    loop, sender = _server["loop"], _server["sender"]
    if loop is not None and loop.is_running():
        try:
            loop.call_soon_threadsafe(sender.changed, session_id)
            return
        except RuntimeError:  # the loop closed meanwhile: send it here
            pass
    try:
        async_to_sync(send_changed)(session_id)
    except Exception:  # no loop to run on, a closing server: never undo or fail a recorded check-in
        logger.warning("attendance broadcast for session %s failed", session_id, exc_info=True)


# --- receiving: one relay per server event loop ------------------------------------------------


class _Relay:
    """This event loop's screens: joins their sessions' groups, and updates them on a change."""

    def __init__(self, loop):
        self.loop = loop
        self.screens = {}  # session id -> {screen: province code or None}
        self.layer = None
        self.channel = None
        self.receiver = None
        self.joined = set()
        self.outage = _Outage("dashboard relay")
        self.dirty = set()
        self.pending = None  # the task that sends the dirty sessions' updates
        self.wake = asyncio.Event()  # ends the wait for the interval (flush)
        self.force = False
        self.next_allowed = {}  # session id -> loop time before which no new snapshot is read
        self.reads = {}  # session id -> future of a snapshot read that screens connecting together share

    # --- screens ---------------------------------------------------------------------------

    async def attach(self, screen, session_id, province):
        """Register a screen, join the group, then send it a snapshot read after joining: a
        change committed after that read reaches it as an update."""
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
        """A change to pass on: at once after a quiet spell, else at the end of the interval."""
        if session_id not in self.screens:
            return
        self.dirty.add(session_id)
        if self.pending is None:
            self.pending = self.loop.create_task(self._send_updates())

    async def _send_updates(self):
        try:
            while self.dirty:
                now = self.loop.time()
                due = min(self.next_allowed.get(s, 0.0) for s in self.dirty)
                if due > now and not self.force:
                    self.wake.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self.wake.wait(), due - now)
                    continue
                ready = set(self.dirty) if self.force else {s for s in self.dirty if self.next_allowed.get(s, 0.0) <= now}
                self.force = False
                self.dirty -= ready
                for session_id in sorted(ready):
                    self.next_allowed[session_id] = self.loop.time() + broadcast_interval()
                    await self._update_screens(session_id)
        finally:
            self.pending = None

    async def _update_screens(self, session_id):
        screens = self.screens.get(session_id)
        if not screens:
            return
        try:
            payloads = await database_sync_to_async(build_dashboard_payloads)(session_id, set(screens.values()))
        except Exception:  # the database away: the next change (or the rejoin) refreshes them
            logger.warning("dashboard snapshot of session %s could not be read", session_id, exc_info=True)
            return
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
        await asyncio.sleep(0)  # let screens connecting in the same moment join this read
        if self.reads.get(session_id) is future:
            del self.reads[session_id]
        scopes = set(self.screens.get(session_id, {}).values()) or {None}
        try:
            future.set_result(await database_sync_to_async(build_dashboard_payloads)(session_id, scopes))
        except Exception as exc:
            future.set_exception(exc)

    # --- channel layer -----------------------------------------------------------------------

    def _current_layer(self):
        layer = get_channel_layer()
        if layer is not self.layer:  # first use, or settings changed the layer (tests)
            if self.receiver is not None:
                self.receiver.cancel()
                self.receiver = None
            self.layer, self.channel, self.joined = layer, None, set()
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
        except Exception as error:
            self.outage.failed(error)  # the receiver joins again when the layer is back
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
                if failures or set(self.screens) - self.joined:
                    await self._rejoin(layer, channel)
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                failures += 1
                self.outage.failed(error)
                await asyncio.sleep(min(0.1 * 2**failures, MAX_RETRY_SECONDS))
                continue
            if failures:
                failures = 0
            if message.get("type") == EVENT_TYPE:
                self.changed(int(message["session_id"]))

    async def _rejoin(self, layer, channel):
        """Join every session with screens again (the layer may have lost its groups), then refresh
        those screens: changes made while the layer was away reached nobody."""
        for session_id in list(self.screens):
            await layer.group_add(attendance_group(session_id), channel)
            self.joined.add(session_id)
        self.outage.succeeded()
        for session_id in list(self.screens):
            self.changed(session_id)

    async def close(self):
        """Leave every group and stop receiving (a server or a test's event loop about to stop)."""
        for session_id in list(self.joined):
            await self._leave(session_id)
        self.screens.clear()
        self.dirty.clear()
        for task in (self.receiver, self.pending):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        self.receiver = self.pending = None


_relays = weakref.WeakKeyDictionary()  # event loop -> _Relay


def _relay():
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None:
        relay = _relays[loop] = _Relay(loop)
    return relay


async def attach_screen(screen, session_id, province):
    """Feed a connected dashboard socket: a snapshot now, updates after every change.

    `screen.show(kind, payloads)` is called with kind "snapshot" or "update"."""
    await _relay().attach(screen, int(session_id), province)


async def detach_screen(screen):
    await _relay().detach(screen)


async def close_attendance_relay():
    """Stop this event loop's relay: its groups are left and its receiver stopped."""
    await _relay().close()


async def flush_attendance_broadcasts():
    """Pass every change this event loop's relay has received on now, without waiting for the
    interval, and wait until its screens have it (tests)."""
    relay = _relay()
    await asyncio.sleep(0.05)  # let the receiver take the group messages already sent
    if relay.pending is not None:
        relay.force = True
        relay.wake.set()
        await asyncio.gather(asyncio.shield(relay.pending), return_exceptions=True)
    relay.force = False
