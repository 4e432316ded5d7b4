r"""Channel-layer group names. Names must match ^[a-zA-Z0-9\-_.]+$ (channels' rule)."""

ATTENDANCE_GROUP = "session.{session_id}.attendance"


def attendance_group(session_id):
    return ATTENDANCE_GROUP.format(session_id=int(session_id))


# A user's open dashboard sockets, closed when they log out or their access changes (attendance/socket_access.py).
USER_GROUP = "user.{user_id}"


def user_group(user_id):
    return USER_GROUP.format(user_id=int(user_id))
