"""The live dashboard socket: who may connect, the snapshot on connect, updates only after commit,
coalesced bursts, and a channel layer that is down."""

import asyncio
import datetime
import logging

import pytest
import pytest_asyncio
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from attendance import broadcast
from attendance.broadcast import close_attendance_relay, flush_attendance_broadcasts, notify_attendance
from attendance.models import CheckIn
from attendance.socket_access import close_socket_warden
from attendance.tests.checkins import record_checkin
from attendance.tests.sockets import communicator, screen_state, session_cookie_for
from meetings.models import SessionStatus
from meetings.tests.factories import make_session
from registration.models import Registration
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

BROKEN_LAYER = {
    # Nothing listens on port 1: every call fails at once, like a stopped Redis.
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
}
IN_MEMORY_LAYER = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest_asyncio.fixture(autouse=True)
async def _relay_closed_after_the_test():
    """A test that fails before disconnecting its screens must not leave this loop's relay
    listening on the channel layer (the loop closes after the test)."""
    yield
    await close_attendance_relay()
    await close_socket_warden()


@pytest.fixture
def live_session(db):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))  # check-in open
    make_registration(session, "TH-52", first_name="สมชาย", last_name="ลำปางดี")
    make_registration(session, "TH-52", role_code="provincial_officer", first_name="สมหญิง", last_name="ลำปางงาม")
    make_registration(session, "TH-50", first_name="สมศักดิ์", last_name="เชียงใหม่ดี")
    return session


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    return settings


@database_sync_to_async
def check_in(session, first_name, capture):
    registration = Registration.objects.get(session=session, first_name=first_name)
    with capture(execute=True):
        return record_checkin(registration)


@database_sync_to_async
def check_in_many(session):
    for registration in Registration.objects.filter(session=session):
        record_checkin(registration)


async def connected(session_id, user, origin=b"http://testserver"):
    ws = communicator(session_id, origin=origin, cookie=await session_cookie_for(user))
    ok, code = await ws.connect()
    assert ok is True, code
    return ws


async def drain(ws):
    messages = []
    while not await ws.receive_nothing(timeout=0.3):
        messages.append(await ws.receive_json_from())
    return messages


# --- refused connections -------------------------------------------------------------------


async def test_foreign_origin_is_refused(live_session, central_organiser):
    ws = communicator(live_session.pk, origin=b"https://evil.example", cookie=await session_cookie_for(central_organiser))
    connected_, code = await ws.connect()
    assert (connected_, code) == (False, 1000)
    await ws.disconnect()


async def test_anonymous_is_refused(live_session):
    ws = communicator(live_session.pk)
    connected_, code = await ws.connect()
    assert (connected_, code) == (False, 4401)
    await ws.disconnect()


async def test_officer_is_refused_on_a_draft_session(lampang_officer):
    draft = await database_sync_to_async(make_session)(status=SessionStatus.DRAFT)
    ws = communicator(draft.pk, cookie=await session_cookie_for(lampang_officer))
    connected_, code = await ws.connect()
    assert (connected_, code) == (False, 4403)
    await ws.disconnect()


async def test_unknown_session_is_refused(central_organiser):
    ws = communicator(999999, cookie=await session_cookie_for(central_organiser))
    connected_, code = await ws.connect()
    assert (connected_, code) == (False, 4403)
    await ws.disconnect()


async def test_login_without_staff_profile_is_refused(live_session):
    from django.contrib.auth import get_user_model

    nobody = await database_sync_to_async(get_user_model().objects.create_user)("nobody", password="x-2564-pass")
    ws = communicator(live_session.pk, cookie=await session_cookie_for(nobody))
    connected_, code = await ws.connect()
    assert (connected_, code) == (False, 4403)
    await ws.disconnect()


# --- snapshot on connect ---------------------------------------------------------------------


async def test_central_staff_get_a_national_snapshot(live_session, central_organiser):
    ws = await connected(live_session.pk, central_organiser)
    message = await ws.receive_json_from()
    assert message["type"] == "snapshot"
    data = message["data"]
    assert data["scope"] == "national"
    assert data["totals"]["registered"] == 3
    assert data["totals"]["checked_in"] == 0
    assert len(data["provinces"]) == 77
    await ws.disconnect()


async def test_lampang_officer_gets_only_lampang(live_session, lampang_officer):
    ws = await connected(live_session.pk, lampang_officer)
    data = (await ws.receive_json_from())["data"]
    assert data["scope"] == "province"
    assert [p["code"] for p in data["provinces"]] == ["TH-52"]
    assert data["totals"]["registered"] == 2
    await ws.disconnect()


async def test_reconnecting_screen_gets_the_current_counts(live_session, central_organiser, django_capture_on_commit_callbacks):
    await check_in(live_session, "สมชาย", django_capture_on_commit_callbacks)
    ws = await connected(live_session.pk, central_organiser)
    data = (await ws.receive_json_from())["data"]
    assert data["totals"]["checked_in"] == 1
    assert [item["name"] for item in data["latest"]] == ["นายสมชาย ลำปางดี"]
    await ws.disconnect()


# --- updates after commit ------------------------------------------------------------------------


async def test_update_is_sent_after_commit_and_not_before(live_session, central_organiser):
    ws = await connected(live_session.pk, central_organiser)
    await ws.receive_json_from()

    @database_sync_to_async
    def check_in_and_look_before_commit():
        registration = Registration.objects.get(session=live_session, first_name="สมชาย")
        with transaction.atomic():
            CheckIn.objects.create(registration=registration, session=live_session, method="scanner")
            transaction.on_commit(lambda: notify_attendance(live_session.pk))
            # Still inside the transaction: the screen must not have heard anything.
            return async_to_sync(ws.receive_nothing)(timeout=0.3)

    assert await check_in_and_look_before_commit() is True
    message = await ws.receive_json_from(timeout=5)
    assert message["type"] == "patch"  # what changed since the snapshot the screen shows
    assert message["data"]["totals"]["checked_in"] == 1
    assert message["data"]["latest"][0]["name"] == "นายสมชาย ลำปางดี"
    await ws.disconnect()


async def test_rolled_back_checkin_is_never_broadcast(live_session, central_organiser, django_capture_on_commit_callbacks):
    ws = await connected(live_session.pk, central_organiser)
    await ws.receive_json_from()

    @database_sync_to_async
    def check_in_then_fail():
        registration = Registration.objects.get(session=live_session, first_name="สมชาย")
        try:
            with transaction.atomic():
                CheckIn.objects.create(registration=registration, session=live_session, method="scanner")
                transaction.on_commit(lambda: notify_attendance(live_session.pk))
                raise RuntimeError("scanner lost power")
        except RuntimeError:
            pass

    await check_in_then_fail()
    assert await ws.receive_nothing(timeout=0.3) is True
    await check_in(live_session, "สมศักดิ์", django_capture_on_commit_callbacks)
    data = (await ws.receive_json_from(timeout=5))["data"]
    assert data["totals"]["checked_in"] == 1
    assert [item["name"] for item in data["latest"]] == ["นายสมศักดิ์ เชียงใหม่ดี"]
    await ws.disconnect()


async def test_provincial_screen_never_sees_other_provinces(live_session, lampang_officer, django_capture_on_commit_callbacks):
    ws = await connected(live_session.pk, lampang_officer)
    snapshot = await ws.receive_json_from()
    await check_in(live_session, "สมศักดิ์", django_capture_on_commit_callbacks)  # Chiang Mai
    await check_in(live_session, "สมชาย", django_capture_on_commit_callbacks)  # Lampang
    await flush_attendance_broadcasts()
    messages = await drain(ws)
    # Chiang Mai's check-in changed nothing this screen shows: it hears only of Lampang's.
    assert [m["type"] for m in messages] == ["patch"], messages
    for message in messages:
        assert [p["code"] for p in message["data"]["provinces"]] == ["TH-52"]
        assert all(item["province"] == "TH-52" for item in message["data"]["latest"])
        assert "เชียงใหม่ดี" not in str(message)
    final = screen_state([snapshot, *messages])
    assert final["totals"]["checked_in"] == 1
    assert final["roles"] == [
        {"code": "provincial_officer", "registered": 1, "checked_in": 0, "percent": 0.0},
        {"code": "committee", "registered": 1, "checked_in": 1, "percent": 100.0},
    ]
    await ws.disconnect()


# --- coalescing ----------------------------------------------------------------------------------


async def test_burst_of_100_checkins_is_coalesced(settings, central_organiser, lampang_officer, monkeypatch):
    # A long interval: after the first change goes out at once, the rest must wait for the next
    # flush, which the test triggers itself instead of sleeping.
    settings.ATTENDANCE_BROADCAST_INTERVAL = 3600
    session = await database_sync_to_async(make_session)(starts_at=timezone.now() + datetime.timedelta(minutes=30))

    @database_sync_to_async
    def register_100():
        for i in range(100):
            make_registration(session, "TH-52" if i % 2 else "TH-10", first_name=f"คนที่{i}")

    await register_100()
    screens = [await connected(session.pk, central_organiser) for _ in range(3)]
    lampang = await connected(session.pk, lampang_officer)
    for ws in [*screens, lampang]:
        assert (await ws.receive_json_from())["type"] == "snapshot"

    reads = []
    real_snapshot = broadcast.get_attendance_snapshot
    monkeypatch.setattr(broadcast, "get_attendance_snapshot", lambda sid, **kw: reads.append(sid) or real_snapshot(sid, **kw))

    await check_in_many(session)  # 100 transactions, 100 notify_attendance calls
    await flush_attendance_broadcasts()

    for ws in screens:
        messages = await drain(ws)
        assert 1 <= len(messages) <= 2
        assert messages[-1]["data"]["totals"]["checked_in"] == 100
        assert messages[-1]["data"]["totals"]["registered"] == 100
    lampang_messages = await drain(lampang)
    assert 1 <= len(lampang_messages) <= 2
    assert lampang_messages[-1]["data"]["totals"]["checked_in"] == 50
    # One read per broadcast, shared by every screen.
    assert 1 <= len(reads) <= 2
    for ws in [*screens, lampang]:
        await ws.disconnect()


# --- channel layer down --------------------------------------------------------------------------


async def test_checkin_succeeds_when_the_channel_layer_is_down_and_screens_catch_up(
    live_session, central_organiser, settings, caplog, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = BROKEN_LAYER
    with caplog.at_level(logging.WARNING, logger="attendance.broadcast"):
        checkin = await check_in(live_session, "สมชาย", django_capture_on_commit_callbacks)
        await flush_attendance_broadcasts()
    assert await database_sync_to_async(CheckIn.objects.filter(pk=checkin.pk).exists)()
    assert "attendance broadcast" in caplog.text

    # The layer is back: a screen that (re)connects sees the check-in, and the broadcaster's retry
    # delivers the pending update too.
    settings.CHANNEL_LAYERS = IN_MEMORY_LAYER
    ws = await connected(live_session.pk, central_organiser)
    assert (await ws.receive_json_from())["data"]["totals"]["checked_in"] == 1
    await check_in(live_session, "สมศักดิ์", django_capture_on_commit_callbacks)
    await flush_attendance_broadcasts()
    messages = await drain(ws)
    assert messages[-1]["data"]["totals"]["checked_in"] == 2
    await ws.disconnect()


# --- one relay per server process ------------------------------------------------------------


async def test_screens_share_one_member_of_the_sessions_group(
    live_session, central_organiser, lampang_officer, django_capture_on_commit_callbacks, monkeypatch
):
    """However many screens a process holds, the channel layer sees one member for it (its relay),
    so a change costs the layer one message per process, not one per screen. The same holds for
    the users' groups (closing sockets on logout): one member per user and process."""
    from channels.layers import get_channel_layer

    from attendance.groups import attendance_group, user_group

    layer = get_channel_layer()
    joined, left = [], []
    real_add, real_discard = layer.group_add, layer.group_discard

    user_groups = {user_group(central_organiser.pk), user_group(lampang_officer.pk)}
    users_joined = []

    async def group_add(group, channel):
        (users_joined if group in user_groups else joined).append((group, channel))
        await real_add(group, channel)

    async def group_discard(group, channel):
        if group not in user_groups:
            left.append((group, channel))
        await real_discard(group, channel)

    monkeypatch.setattr(layer, "group_add", group_add)
    monkeypatch.setattr(layer, "group_discard", group_discard)

    screens = [await connected(live_session.pk, central_organiser) for _ in range(4)] + [await connected(live_session.pk, lampang_officer)]
    for ws in screens:
        assert (await ws.receive_json_from())["type"] == "snapshot"
    assert len(joined) == 1 and joined[0][0] == attendance_group(live_session.pk)
    assert sorted(group for group, _channel in users_joined) == sorted(user_groups)

    # A change told by another process (only through the layer) reaches every screen here.
    await check_in(live_session, "สมชาย", lambda execute: django_capture_on_commit_callbacks(execute=False))
    await layer.group_send(attendance_group(live_session.pk), {"type": "attendance.changed", "session_id": live_session.pk})
    await asyncio.sleep(0.2)
    await flush_attendance_broadcasts()
    for ws in screens:
        messages = await drain(ws)
        assert messages and messages[-1]["data"]["totals"]["checked_in"] == 1

    for ws in screens[:-1]:
        await ws.disconnect()
    assert left == []  # a screen of the session is still here
    await screens[-1].disconnect()
    assert left == joined  # the last screen gone: the relay left the group
