"""Several server processes: a check-in handled by process A reaches a dashboard connected to
process B, and a logout on A or a role change closes it, through PostgreSQL and Redis; the
production server refuses a socket from another origin (run by `make test-services`)."""

import asyncio
import datetime
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
import websockets
import websockets.protocol
from django.utils import timezone
from django.utils.crypto import get_random_string

from attendance.services import issue_scanner_device
from attendance.tests.faults import ProductionServer
from attendance.tests.sockets import session_cookie_value
from meetings.models import Province
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
                update = await _next_data(ws, "patch")  # what changed since the snapshot
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


def _log_out(server_url, sessionid):
    """POST the logout form as a browser does: its session and CSRF cookies, the token in the form."""
    csrf = get_random_string(32)
    request = urllib.request.Request(
        server_url + "/accounts/logout/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={"Cookie": f"sessionid={sessionid}; csrftoken={csrf}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(request, timeout=15)
    except urllib.error.HTTPError as answer:
        return answer.code
    return 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_logout_on_process_a_closes_the_dashboard_on_process_b(services):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    make_registration(session, "TH-52")
    user = make_user("warroom", kind="central")
    laptop, wall = session_cookie_value(user), session_cookie_value(user)

    env = {"REDIS_URL": services["REDIS_URL"]}
    with ProductionServer(env) as process_a, ProductionServer(env) as process_b:
        url = process_b.url.replace("http://", "ws://") + f"/ws/sessions/{session.pk}/attendance/"

        async def scenario():
            async with (
                websockets.connect(url, additional_headers={"Cookie": f"sessionid={laptop}", "Origin": process_b.url}) as laptop_ws,
                websockets.connect(url, additional_headers={"Cookie": f"sessionid={wall}", "Origin": process_b.url}) as wall_ws,
            ):
                await _next_data(laptop_ws, "snapshot")
                await _next_data(wall_ws, "snapshot")
                status = await asyncio.get_running_loop().run_in_executor(None, _log_out, process_a.url, laptop)
                assert status == 302
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(laptop_ws.recv(), timeout=15)
                assert closed.value.rcvd.code == 4401
                assert wall_ws.state is websockets.protocol.State.OPEN  # another login, still signed in

        asyncio.run(scenario())


def test_a_role_change_made_elsewhere_closes_the_dashboard_to_reconnect(services):
    session = make_session(starts_at=timezone.now() + datetime.timedelta(minutes=30))
    make_registration(session, "TH-52")
    officer = make_user("lampang-office", kind="provincial", province_code="TH-52")
    cookie = f"sessionid={session_cookie_value(officer)}"

    with ProductionServer({"REDIS_URL": services["REDIS_URL"]}) as server:
        url = server.url.replace("http://", "ws://") + f"/ws/sessions/{session.pk}/attendance/"

        async def scenario():
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": server.url}) as ws:
                assert [p["code"] for p in (await _next_data(ws, "snapshot"))["provinces"]] == ["TH-52"]

                def move_to_chiang_mai():  # this test's process, as the admin site would: through Redis only
                    officer.profile.province = Province.objects.get(code="TH-50")
                    officer.profile.save()

                await asyncio.get_running_loop().run_in_executor(None, move_to_chiang_mai)
                with pytest.raises(websockets.ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), timeout=15)
                assert closed.value.rcvd.code == 4001
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": server.url}) as ws:
                assert [p["code"] for p in (await _next_data(ws, "snapshot"))["provinces"]] == ["TH-50"]

        asyncio.run(scenario())


def test_the_production_server_refuses_a_socket_from_another_port_or_scheme(services):
    session = make_session()
    cookie = f"sessionid={session_cookie_value(make_user('warroom', kind='central'))}"
    with ProductionServer({"REDIS_URL": services["REDIS_URL"]}) as server:
        url = server.url.replace("http://", "ws://") + f"/ws/sessions/{session.pk}/attendance/"
        port = server.url.rsplit(":", 1)[1]

        async def scenario():
            for origin in (f"http://127.0.0.1:{int(port) + 1}", f"https://127.0.0.1:{port}", "http://localhost"):
                with pytest.raises(websockets.InvalidStatus) as refused:
                    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": origin}):
                        pass
                assert refused.value.response.status_code == 403, origin
            async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": server.url}) as ws:
                assert (await _next_data(ws, "snapshot"))["scope"] == "national"

        asyncio.run(scenario())
