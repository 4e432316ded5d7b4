from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from attendance.groups import attendance_group
from attendance.selectors import get_attendance_snapshot
from meetings.permissions import is_central, user_province
from meetings.selectors import get_sessions_for_user

# WebSocket close codes in the 4000–4999 range are for applications.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


@database_sync_to_async
def _dashboard_scope(user, session_id):
    """Return the province id the user is limited to (None for all), or False when not allowed."""
    if not get_sessions_for_user(user).filter(pk=session_id).exists():
        return False
    if is_central(user):
        return None
    province = user_province(user)
    return province.pk if province else False


class AttendanceDashboardConsumer(AsyncJsonWebsocketConsumer):
    """Live attendance for one session: a full snapshot on connect, then absolute updates."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.session_id = self.scope["url_route"]["kwargs"]["session_id"]
        self.province_id = await _dashboard_scope(user, self.session_id)
        if self.province_id is False:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group_name = attendance_group(self.session_id)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept()
        snapshot = await database_sync_to_async(get_attendance_snapshot)(self.session_id, self.province_id)
        await self.send_json({"type": "snapshot", "data": snapshot})

    async def disconnect(self, code):
        if getattr(self, "group_name", None):
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def attendance_updated(self, event):
        snapshot = await database_sync_to_async(get_attendance_snapshot)(self.session_id, self.province_id)
        await self.send_json({"type": "update", "data": snapshot})
