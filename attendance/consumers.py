import json
from collections import OrderedDict

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from attendance.broadcast import load_dashboard_payloads
from attendance.groups import attendance_group
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


# A group message carries every province's view as one JSON string; screens of one server
# process share the decoding of it (each provincial screen then forwards its own slice).
_decoded_provinces = OrderedDict()


def _province_texts(event):
    key = (event["session_id"], event["generated_at"], len(event["provinces"]))
    texts = _decoded_provinces.get(key)
    if texts is None:
        texts = _decoded_provinces[key] = json.loads(event["provinces"])
        while len(_decoded_provinces) > 8:
            _decoded_provinces.popitem(last=False)
    return texts


def _frame(kind, data_text):
    return '{"type":"%s","data":%s}' % (kind, data_text)


class AttendanceDashboardConsumer(AsyncWebsocketConsumer):
    """Live attendance for one session: a full snapshot on connect, then absolute updates.

    Central staff get the national view, a provincial officer their province's view. Updates
    arrive already serialised in the group message (attendance/broadcast.py): no database
    access and no JSON encoding per screen.
    """

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
        # Join before reading the snapshot: a check-in committed after the read reaches us as an update.
        self.group_name = attendance_group(self.session_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        payloads = await load_dashboard_payloads(self.session_id)
        self.snapshot_at = payloads.generated_at
        await self.send(text_data=_frame("snapshot", payloads.for_province(self.province)))

    async def disconnect(self, code):
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        """Screens only listen; anything they send is ignored."""

    async def attendance_updated(self, event):
        if event["generated_at"] < getattr(self, "snapshot_at", 0):
            return  # older than the snapshot this screen already shows
        if self.province is None:
            text = event["national"]
        else:
            text = _province_texts(event).get(self.province)
            if text is None:
                return
        await self.send(text_data=_frame("update", text))
