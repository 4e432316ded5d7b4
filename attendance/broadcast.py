"""Tell live dashboards that a session's attendance changed. Call only after commit:

    transaction.on_commit(lambda: notify_attendance(session_id))

Dashboards re-read absolute counts, so a lost message heals with the next one; a
channel layer that is down must never fail the check-in that triggered the message.
"""
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from attendance.groups import attendance_group

logger = logging.getLogger(__name__)


def notify_attendance(session_id):
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(attendance_group(session_id), {"type": "attendance.updated", "session_id": session_id})
    except Exception:  # the layer being down must not undo or fail a recorded check-in
        logger.warning("attendance broadcast for session %s failed", session_id, exc_info=True)
