"""The dashboard relay on a real channel layer: one update per check-in per process, and a busy
Redis (answers slower than channels-redis's blocking read) never breaks it."""

import asyncio
import datetime
import logging

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.utils import timezone

from attendance.broadcast import close_attendance_relay
from attendance.models import CheckIn
from attendance.tests.checkins import record_checkin
from attendance.tests.faults import TcpProxy
from attendance.tests.sockets import communicator, session_cookie_for
from meetings.tests.factories import make_session
from registration.models import Registration
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@pytest_asyncio.fixture(autouse=True)
async def _relay_closed_after_the_test():
    yield
    await close_attendance_relay()


@pytest.fixture
def lampang_session(db):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))  # check-in open
    for i in range(5):
        make_registration(session, "TH-52", first_name=f"ผู้เข้าร่วม{i}")
    return session


@database_sync_to_async
def check_in_next(session):
    registration = Registration.objects.filter(session=session, checkin__isnull=True).order_by("pk").first()
    return record_checkin(registration)


async def screen(session, user):
    ws = communicator(session.pk, cookie=await session_cookie_for(user))
    ok, code = await ws.connect(timeout=20)
    assert ok, code
    assert (await ws.receive_json_from(timeout=30))["type"] == "snapshot"
    return ws


async def updates_within(ws, seconds):
    got = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    # receive_nothing, not a receive with a timeout: a timed-out receive stops the consumer.
    while (left := end - loop.time()) > 0:
        if await ws.receive_nothing(timeout=left, interval=0.01):
            break
        got.append(await ws.receive_json_from())
    return got


async def test_one_update_per_checkin_at_one_checkin_a_second(lampang_session, central_organiser, settings):
    """The process that took the check-in learns of it like every other process, through the
    layer, once: its screens get one update per check-in, not two."""
    settings.ATTENDANCE_BROADCAST_INTERVAL = 0.1
    ws = await screen(lampang_session, central_organiser)
    counts = []
    for _ in range(3):
        await check_in_next(lampang_session)  # on_commit runs at once: no test transaction here
        messages = await updates_within(ws, 1.0)
        counts.append([m["data"]["totals"]["checked_in"] for m in messages])
    assert counts == [[1], [2], [3]]
    await ws.disconnect()


async def test_busy_redis_slower_than_the_blocking_read_keeps_the_relay(services, lampang_session, central_organiser, settings, caplog):
    """Answers 0.3 s late make each 5 s blocking read last 5.3 s: above redis-py's default socket
    timeout (5 s), below the one the settings give channels-redis."""
    layer_settings = django_settings.CHANNEL_LAYERS["default"]
    host = dict(layer_settings["CONFIG"]["hosts"][0])
    redis_port = int(host["address"].rsplit(":", 1)[1].split("/")[0])
    with TcpProxy(redis_port, delay=0.3) as proxy:
        host["address"] = f"redis://127.0.0.1:{proxy.port}/0"
        settings.CHANNEL_LAYERS = {"default": {**layer_settings, "CONFIG": {**layer_settings["CONFIG"], "hosts": [host]}}}
        with caplog.at_level(logging.WARNING, logger="attendance.broadcast"):
            ws = await screen(lampang_session, central_organiser)
            await asyncio.sleep(7)  # more than one whole blocking read through the slow proxy
            await check_in_next(lampang_session)
            messages = await updates_within(ws, 12)
            await ws.disconnect()
            await close_attendance_relay()
    assert messages and messages[-1]["data"]["totals"]["checked_in"] == 1
    assert await database_sync_to_async(CheckIn.objects.count)() == 1
    assert "dashboard relay" not in caplog.text  # the relay never lost the layer (its read only waited)
