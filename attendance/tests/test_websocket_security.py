"""The dashboard socket refuses anonymous users, foreign origins and other provinces' officers."""
import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from meetings.tests.factories import make_registration, make_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def session_cookie_for(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"sessionid={store.session_key}".encode()


def communicator(session_id, origin=b"http://testserver", cookie=None):
    headers = [(b"origin", origin), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/sessions/{session_id}/attendance/", headers=headers)


@pytest.fixture
def live_session(db):
    session = make_session()
    make_registration(session, "TH-52")
    make_registration(session, "TH-50")
    return session


async def test_foreign_origin_is_refused(live_session, central_organiser):
    cookie = await session_cookie_for(central_organiser)
    ws = communicator(live_session.pk, origin=b"https://evil.example", cookie=cookie)
    connected, _ = await ws.connect()
    assert connected is False
    await ws.disconnect()


async def test_anonymous_is_refused(live_session):
    ws = communicator(live_session.pk)
    connected, code = await ws.connect()
    assert connected is False
    assert code == 4401
    await ws.disconnect()


async def test_central_staff_get_a_national_snapshot(live_session, central_organiser):
    ws = communicator(live_session.pk, cookie=await session_cookie_for(central_organiser))
    connected, _ = await ws.connect()
    assert connected is True
    message = await ws.receive_json_from()
    assert message["type"] == "snapshot"
    assert message["data"]["registered"] == 2
    await ws.disconnect()


async def test_lampang_officer_gets_only_lampang(live_session, lampang_officer):
    ws = communicator(live_session.pk, cookie=await session_cookie_for(lampang_officer))
    connected, _ = await ws.connect()
    assert connected is True
    message = await ws.receive_json_from()
    assert set(message["data"]["provinces"]) == {"TH-52"}
    await ws.disconnect()
