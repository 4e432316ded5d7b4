"""Test helpers for the dashboard socket: a logged-in session cookie and a communicator."""

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application


def session_cookie_value(user):
    """A saved Django session logging `user` in, as the value of the `sessionid` cookie."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    # The backend a real login records, so the same user-loading path is exercised.
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # the backend that loads users (the first one only throttles)
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


@database_sync_to_async
def session_cookie_for(user):
    return f"sessionid={session_cookie_value(user)}".encode()


def communicator(session_id, origin=b"http://testserver", cookie=None):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/sessions/{session_id}/attendance/", headers=headers)


KEYED_ROWS = ("provinces", "roles", "regions")


def screen_state(messages, state=None):
    """What a dashboard page shows after these messages, folded as static/attendance/dashboard.js
    does: a snapshot or an update replaces the view; a patch replaces the rows it names (by code)
    and the parts it carries."""
    for message in messages:
        data = message["data"]
        if message["type"] in ("snapshot", "update"):
            state = data
        elif message["type"] == "patch":
            assert state is not None, "a patch before any snapshot"
            merged = {**state, **{key: value for key, value in data.items() if key not in KEYED_ROWS}}
            for key in KEYED_ROWS:
                if key in data:
                    by_code = {row["code"]: row for row in data[key]}
                    merged[key] = [by_code.get(row["code"], row) for row in state[key]]
            state = merged
    return state
