"""Who keeps a dashboard socket: only this site's pages may open one (scheme, host and port), and an
open one closes when its login logs out (4401) or its user's access changes (4001, after which the
screen connects again and is authorised afresh)."""

import datetime
import logging

import pytest
import pytest_asyncio
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.test import Client
from django.utils import timezone

from attendance.broadcast import close_attendance_relay
from attendance.socket_access import CLOSE_ACCESS_CHANGED, CLOSE_LOGGED_OUT, close_socket_warden
from attendance.tests.sockets import communicator, session_cookie_value
from config.asgi import application
from meetings.models import Province
from meetings.tests.factories import make_session
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

BROKEN_LAYER = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}


@pytest_asyncio.fixture(autouse=True)
async def _relay_and_warden_closed_after_the_test():
    yield
    await close_attendance_relay()
    await close_socket_warden()


@pytest.fixture
def live_session(db):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    make_registration(session, "TH-52")
    make_registration(session, "TH-50")
    return session


login = database_sync_to_async(session_cookie_value)


async def screen(session, session_key, origin=b"http://testserver"):
    ws = communicator(session.pk, origin=origin, cookie=f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
    connected, code = await ws.connect()
    assert connected, code
    assert (await ws.receive_json_from())["type"] == "snapshot"
    return ws


async def refused_code(session, session_key):
    ws = communicator(session.pk, cookie=f"{settings.SESSION_COOKIE_NAME}={session_key}".encode())
    connected, code = await ws.connect()
    await ws.disconnect()
    assert connected is False
    return code


async def closed_with(ws):
    message = await ws.receive_output(timeout=5)
    assert message["type"] == "websocket.close"
    return message["code"]


@database_sync_to_async
def log_out(session_key):
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client.post("/accounts/logout/").status_code


# --- logout ----------------------------------------------------------------------------------------


async def test_logout_closes_the_sockets_of_that_login_and_it_may_not_reconnect(live_session, central_organiser):
    laptop, wall = await login(central_organiser), await login(central_organiser)
    laptop_ws, laptop_ws_2, wall_ws = await screen(live_session, laptop), await screen(live_session, laptop), await screen(live_session, wall)
    assert await log_out(laptop) == 302
    assert await closed_with(laptop_ws) == CLOSE_LOGGED_OUT
    assert await closed_with(laptop_ws_2) == CLOSE_LOGGED_OUT
    # The wall screen is another login of the same person, still signed in.
    assert await wall_ws.receive_nothing(timeout=0.5)
    assert await refused_code(live_session, laptop) == 4401
    for ws in (laptop_ws, laptop_ws_2, wall_ws):
        await ws.disconnect()


async def test_someone_elses_logout_leaves_a_screen_open(live_session, central_organiser, lampang_officer):
    ws = await screen(live_session, await login(central_organiser))
    assert await log_out(await login(lampang_officer)) == 302
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_logout_with_the_channel_layer_down_still_logs_out(live_session, central_organiser, settings, caplog):
    key = await login(central_organiser)
    settings.CHANNEL_LAYERS = BROKEN_LAYER
    with caplog.at_level(logging.WARNING, logger="attendance.socket_access"):
        assert await log_out(key) == 302
    assert "closing the sockets of user" in caplog.text
    assert await refused_code(live_session, key) == 4401


# --- a change of access ----------------------------------------------------------------------------


async def test_officer_moved_to_another_province_is_reconnected_to_that_provinces_view(live_session, lampang_officer):
    key = await login(lampang_officer)
    ws = await screen(live_session, key)

    @database_sync_to_async
    def move_to_chiang_mai():
        profile = lampang_officer.profile
        profile.province = Province.objects.get(code="TH-50")
        profile.save()

    await move_to_chiang_mai()
    assert await closed_with(ws) == CLOSE_ACCESS_CHANGED
    await ws.disconnect()
    again = communicator(live_session.pk, cookie=f"{settings.SESSION_COOKIE_NAME}={key}".encode())
    assert (await again.connect())[0] is True
    data = (await again.receive_json_from())["data"]
    assert [province["code"] for province in data["provinces"]] == ["TH-50"]
    await again.disconnect()


async def test_losing_the_staff_profile_closes_the_socket_and_bars_reconnecting(live_session, lampang_officer):
    key = await login(lampang_officer)
    ws = await screen(live_session, key)
    await database_sync_to_async(lampang_officer.profile.delete)()
    assert await closed_with(ws) == CLOSE_ACCESS_CHANGED
    await ws.disconnect()
    assert await refused_code(live_session, key) == 4403


async def test_a_deactivated_account_is_closed_and_cannot_reconnect(live_session, central_organiser):
    key = await login(central_organiser)
    ws = await screen(live_session, key)
    central_organiser.is_active = False
    await database_sync_to_async(central_organiser.save)()
    assert await closed_with(ws) == CLOSE_ACCESS_CHANGED
    await ws.disconnect()
    assert await refused_code(live_session, key) == 4401


async def test_a_login_elsewhere_leaves_the_screens_open(live_session, central_organiser):
    ws = await screen(live_session, await login(central_organiser))
    await database_sync_to_async(update_last_login)(None, central_organiser)  # what a login saves
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


# --- the origin of the handshake -------------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [b"http://testserver", b"http://testserver:80", b"HTTP://TestServer"],
    ids=["same", "default port spelled out", "case"],
)
async def test_a_page_of_this_site_may_open_a_socket(live_session, central_organiser, origin):
    ws = await screen(live_session, await login(central_organiser), origin=origin)
    await ws.disconnect()


@pytest.mark.parametrize(
    "origin",
    [
        b"https://testserver",  # the https twin of a plain-http site
        b"http://testserver:8000",  # another port of the same host
        b"http://evil.example",
        b"http://testserver.evil.example",
        b"null",  # a sandboxed frame or a file
        b"",
        b"http://testserver/",
    ],
    ids=["other scheme", "other port", "other host", "host suffix", "null", "empty", "not an origin"],
)
async def test_another_origin_is_refused_before_the_socket_opens(live_session, central_organiser, origin):
    ws = communicator(live_session.pk, origin=origin, cookie=f"{settings.SESSION_COOKIE_NAME}={await login(central_organiser)}".encode())
    assert await ws.connect() == (False, 1000)
    await ws.disconnect()


async def _handshake(scheme, headers):
    """The first answer of the ASGI application to a WebSocket handshake made over `scheme`."""
    scope = {"type": "websocket", "scheme": scheme, "path": "/ws/sessions/1/attendance/", "headers": headers, "subprotocols": []}
    app = ApplicationCommunicator(application, scope)
    await app.send_input({"type": "websocket.connect"})
    answer = await app.receive_output(timeout=5)
    await app.wait(timeout=5) if answer["type"] == "websocket.close" else None
    return answer


async def test_over_tls_only_the_https_origin_passes(live_session):
    """Past the origin check an anonymous socket is told 4401; refused by it, plain 1000."""
    https = await _handshake("wss", [(b"host", b"testserver"), (b"origin", b"https://testserver")])
    http = await _handshake("wss", [(b"host", b"testserver"), (b"origin", b"http://testserver")])
    assert (https["code"], http["code"]) == (4401, 1000)


async def test_a_host_outside_allowed_hosts_is_refused_even_from_its_own_origin(live_session):
    """A rebound DNS name: the page and the socket both say evil.example."""
    answer = await _handshake("ws", [(b"host", b"evil.example"), (b"origin", b"http://evil.example")])
    assert answer["code"] == 1000


async def test_a_trusted_origin_may_open_a_socket(live_session, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://screens.example.go.th"]
    answer = await _handshake("ws", [(b"host", b"testserver"), (b"origin", b"https://screens.example.go.th")])
    assert answer["code"] == 4401  # past the origin check: only the login is missing
