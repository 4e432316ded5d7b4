"""Dashboard sockets close when the person behind them logs out or their access changes.

A socket is authorised once, when it connects. So a change must reach it: a logout closes the
sockets opened with that login (code 4401: the screen asks to log in again), and a change of role,
province or staff status closes every socket of that user with CLOSE_ACCESS_CHANGED, on which the
screen connects again and is authorised afresh (another province's view, or a refusal).

The news travels through the channel layer, after commit, to the user's group (`user.<id>`,
attendance.groups), so it reaches every server process. As with the dashboard relay
(attendance/broadcast.py), a socket holds no channel of its own: each server event loop has one
*warden* that joins the group of each user with an open socket there and closes their sockets when
told. A channel layer that is away fails neither the logout nor the change (the send gives up and
is logged); the warden joins its groups again when the layer is back.
"""

import asyncio
import contextlib
import logging
import weakref

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.crypto import salted_hmac

from attendance.groups import user_group

logger = logging.getLogger(__name__)

EVENT_TYPE = "user.sockets.close"
# WebSocket close codes in the 4000–4999 range are for applications (attendance/consumers.py has 4401, 4403).
CLOSE_LOGGED_OUT = 4401
CLOSE_ACCESS_CHANGED = 4001
SEND_TIMEOUT = 2.0
MAX_RETRY_SECONDS = 10.0
LOGIN_SALT = "prachum.attendance.socket-login"
# The dashboard relay's prefix (attendance/broadcast.py), and it must stay the same: channels-redis
# reads all of a process's channels of one prefix with one blocking read, under one lock shared by
# every prefix, so a second prefix would hold that lock waiting on its own key and starve the relay.
CHANNEL_PREFIX = "attendance-relay"


def login_id(session_key):
    """Names a login (a session) without giving its key away: group messages travel through Redis."""
    return salted_hmac(LOGIN_SALT, session_key or "", algorithm="sha256").hexdigest()[:32] if session_key else ""


def close_event(user_id, login=""):
    """The group message: close `user_id`'s sockets of `login` (logged out), or all of them (login="")."""
    return {"type": EVENT_TYPE, "user_id": int(user_id), "login": login}


async def send_close(user_id, login=""):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await asyncio.wait_for(layer.group_send(user_group(user_id), close_event(user_id, login)), SEND_TIMEOUT)
    except Exception:  # the layer down or slow: the logout or the change stands
        logger.warning("closing the sockets of user %s failed: the channel layer did not take the message", user_id, exc_info=True)


def close_user_sockets(user_id, login=""):
    """Close `user_id`'s dashboard sockets in every server process: those of `login` when it is
    given (a logout), else all of them (their access changed). Call after commit; never raises."""
    try:
        async_to_sync(send_close)(user_id, login)
    except Exception:  # no loop to run on, a closing server: never fail the logout or the change
        logger.warning("closing the sockets of user %s failed", user_id, exc_info=True)


# --- signal receivers (connected in AttendanceConfig.ready) -----------------------------------------


def logged_out(sender, request, user, **kwargs):
    """user_logged_out: close the sockets opened with this login, once the logout is committed."""
    if user is None or user.pk is None:
        return
    user_id, login = user.pk, login_id(getattr(getattr(request, "session", None), "session_key", None))
    transaction.on_commit(lambda: close_user_sockets(user_id, login))


def profile_changed(sender, instance, created=False, raw=False, **kwargs):
    """post_save / post_delete of a staff profile (meetings.Profile): its kind or province may have
    changed. A new profile has no sockets yet (a login without one is refused)."""
    if created or raw:
        return
    user_id = instance.user_id
    transaction.on_commit(lambda: close_user_sockets(user_id))


def account_saved(sender, instance, created=False, update_fields=None, raw=False, **kwargs):
    """post_save of a user: active, superuser or password may have changed. A login elsewhere only
    updates last_login, and must not close this person's screens."""
    if created or raw or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    user_id = instance.pk
    transaction.on_commit(lambda: close_user_sockets(user_id))


class _Warden:
    """This event loop's authorised sockets, by user; joins their users' groups."""

    def __init__(self, loop):
        self.loop = loop
        self.sockets = {}  # user id -> {socket: login id}
        self.layer = self.channel = self.receiver = None
        self.joined = set()

    async def watch(self, socket, user_id, login):
        self.sockets.setdefault(user_id, {})[socket] = login
        layer = get_channel_layer()
        if layer is not self.layer:  # first use, or settings changed the layer (tests)
            await self._stop_receiving()
            self.layer, self.channel, self.joined = layer, None, set()
        if layer is None:
            return
        try:
            if self.channel is None:
                self.channel = await layer.new_channel(prefix=CHANNEL_PREFIX)
            if user_id not in self.joined:
                await layer.group_add(user_group(user_id), self.channel)
                self.joined.add(user_id)
        except Exception:  # the layer away: the receiver joins again when it is back
            logger.warning("socket warden could not join the group of user %s", user_id, exc_info=True)
        if self.receiver is None and self.channel is not None:
            self.receiver = self.loop.create_task(self._receive(layer, self.channel))

    async def unwatch(self, socket):
        for user_id, sockets in list(self.sockets.items()):
            if sockets.pop(socket, None) is not None and not sockets:
                del self.sockets[user_id]
                if user_id in self.joined:
                    self.joined.discard(user_id)
                    with contextlib.suppress(Exception):
                        await self.layer.group_discard(user_group(user_id), self.channel)
        if not self.sockets:
            await self._stop_receiving()

    async def _stop_receiving(self):
        if self.receiver is not None and self.receiver is not asyncio.current_task():
            self.receiver.cancel()
            await asyncio.gather(self.receiver, return_exceptions=True)
        self.receiver = None

    async def _receive(self, layer, channel):
        failures = 0
        while True:
            try:
                if failures or set(self.sockets) - self.joined:
                    for user_id in list(self.sockets):  # the layer may have lost its groups
                        await layer.group_add(user_group(user_id), channel)
                        self.joined.add(user_id)
                message = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                failures += 1
                if failures == 1:
                    logger.warning("socket warden lost the channel layer", exc_info=True)
                await asyncio.sleep(min(0.1 * 2**failures, MAX_RETRY_SECONDS))
                continue
            failures = 0
            if message.get("type") == EVENT_TYPE:
                await self._close(int(message["user_id"]), message.get("login") or "")

    async def _close(self, user_id, login):
        for socket, socket_login in list(self.sockets.get(user_id, {}).items()):
            if login and socket_login != login:
                continue  # another login of the same person: still signed in
            try:
                await socket.close(code=CLOSE_LOGGED_OUT if login else CLOSE_ACCESS_CHANGED)
            except Exception:  # a socket already gone must not keep the others open
                logger.debug("closing a socket of user %s failed", user_id, exc_info=True)

    async def close(self):
        for user_id in list(self.joined):
            with contextlib.suppress(Exception):
                await self.layer.group_discard(user_group(user_id), self.channel)
        self.sockets.clear()
        self.joined.clear()
        await self._stop_receiving()


_wardens = weakref.WeakKeyDictionary()  # event loop -> _Warden


def _warden():
    loop = asyncio.get_running_loop()
    warden = _wardens.get(loop)
    if warden is None:
        warden = _wardens[loop] = _Warden(loop)
    return warden


async def watch_socket(socket, user_id, login):
    """Have `socket` (it has `close(code=…)`) closed when `user_id` logs out of `login` or their access changes."""
    await _warden().watch(socket, int(user_id), login)


async def unwatch_socket(socket):
    await _warden().unwatch(socket)


async def close_socket_warden():
    """Stop this event loop's warden: its groups are left and its receiver stopped (tests)."""
    await _warden().close()
