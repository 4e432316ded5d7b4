r"""Channel-layer group names. Names must match ^[a-zA-Z0-9\-_.]+$ (channels' rule)."""

ATTENDANCE_GROUP = "session.{session_id}.attendance"


def attendance_group(session_id):
    return ATTENDANCE_GROUP.format(session_id=int(session_id))
