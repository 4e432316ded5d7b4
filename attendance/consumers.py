from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from attendance.broadcast import attach_screen, detach_screen
from attendance.socket_access import login_id, unwatch_socket, watch_socket
from meetings.permissions import is_central, user_province
from meetings.selectors import get_sessions_for_user

# WebSocket close codes in the 4000–4999 range are for applications.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _dashboard_scope(user, session_id):
    """The province code the user is limited to (None: the whole country), or False when not allowed."""
    if not get_sessions_for_user(user).filter(pk=session_id).exists():
        return False
    if is_central(user):
        return None
    province = user_province(user)
    return province.code if province else False


def _frame(kind, data_text):
    return f'{{"type":"{kind}","data":{data_text}}}'


class AttendanceDashboardConsumer(AsyncWebsocketConsumer):
    """Live attendance for one session: a full snapshot on connect, then absolute updates.

    Central staff get the national view, a provincial officer their province's view. The server
    process's relay (attendance/broadcast.py) feeds every screen from one snapshot read, already
    serialised: no database access and no JSON encoding per screen. Screens need no channel of
    their own on the channel layer (the relay holds one per process), so they have none.

    A screen closes when its login logs out (4401) or its user's access changes (4001: it connects
    again and is authorised afresh); attendance/socket_access.py.
    """

    channel_layer_alias = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.province = await _dashboard_scope(user, self.session_id)
        if self.province is False:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.snapshot_at = None
        self.shown = None  # the read (DashboardPayloads) this screen shows
        await self.accept()
        session = self.scope.get("session")
        await watch_socket(self, user.pk, login_id(getattr(session, "session_key", None)))
        await attach_screen(self, self.session_id, self.province)

    async def disconnect(self, code):
        await unwatch_socket(self)
        await detach_screen(self)

    async def receive(self, text_data=None, bytes_data=None):
        """Screens only listen; anything they send is ignored."""

    async def show(self, kind, payloads):
        """Called by the relay: send this screen's view of a read: "snapshot" (on connect), then per
        update what changed since the read it shows ("patch"; nothing when nothing it shows changed),
        or the whole view ("update") when changes cannot say it."""
        if kind == "snapshot":
            self.snapshot_at = payloads.generated_at
            text = payloads.for_province(self.province)
        elif self.snapshot_at is None or payloads.generated_at < self.snapshot_at:
            return  # before this screen's snapshot, or older than it: the snapshot already says more
        else:
            kind, text = payloads.message_for(self.province, self.shown)
            if kind == "patch" and text is None:
                self.shown = payloads  # the same numbers: nothing to send
                return
        if text is not None:
            self.shown = payloads
            await self.send(text_data=_frame(kind, text))
