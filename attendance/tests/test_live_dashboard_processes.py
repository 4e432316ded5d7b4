"""Several server processes: a check-in handled by process A reaches a dashboard connected to
process B, through PostgreSQL and Redis (run by `make test-services`)."""

import asyncio
import datetime
import json
import urllib.request

import pytest
import websockets
from django.utils import timezone

from attendance.services import issue_scanner_device
from attendance.tests.faults import ProductionServer
from attendance.tests.sockets import session_cookie_value
from meetings.tests.factories import make_session, make_user, make_venue
from registration.tests.factories import make_registration

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


async def _next_data(ws, kind):
    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
    assert message["type"] == kind
    return message["data"]


def test_checkin_on_process_a_updates_a_dashboard_on_process_b(services):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))  # check-in open
    lampang = make_venue(session, "TH-52")
    registration = make_registration(session, "TH-52", venue=lampang, first_name="ข้ามเครื่อง", last_name="ทดสอบ")
    _device, token = issue_scanner_device(venue=lampang, name="โต๊ะ 1", actor=None)
    make_registration(session, "TH-50")
    cookie = f"sessionid={session_cookie_value(make_user('warroom', kind='central'))}"

    env = {"REDIS_URL": services["REDIS_URL"]}
    with ProductionServer(env) as process_a, ProductionServer(env) as process_b:
        server_a, server_b = process_a.url, process_b.url

        async def scenario():
            url = server_b.replace("http://", "ws://") + f"/ws/sessions/{session.pk}/attendance/"
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": server_b}) as ws:
                snapshot = await _next_data(ws, "snapshot")
                assert snapshot["totals"]["checked_in"] == 0

                def check_in_on_a():
                    body = json.dumps({"code": registration.get_ticket(), "nonce": "n-1"}).encode()
                    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                    req = urllib.request.Request(server_a + "/api/checkins", data=body, headers=headers)
                    with urllib.request.urlopen(req, timeout=15) as response:
                        return json.loads(response.read())

                await asyncio.get_running_loop().run_in_executor(None, check_in_on_a)
                update = await _next_data(ws, "update")
                assert update["totals"] == {
                    "registered": 2,
                    "checked_in": 1,
                    "percent": 50.0,
                    "on_time": 1,
                    "late": 0,
                    "wrong_venue": 0,
                }
                assert update["latest"][0]["name"] == "นายข้ามเครื่อง ทดสอบ"

        asyncio.run(scenario())
