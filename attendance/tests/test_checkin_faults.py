"""Faults at the door, from outside, on the production server (uvicorn, config.asgi): a server
killed while it records an upload, and PostgreSQL unreachable in the middle of a stream of scans.
No scan is lost and none is recorded twice."""

import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from attendance.models import CheckIn
from attendance.services import issue_scanner_device
from attendance.tests.faults import ProductionServer, TcpProxy
from meetings.tests.factories import make_user
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db(transaction=True)


def post(url, token, path, body, timeout=30):
    """(status, JSON body, headers); a dropped connection is (None, None, {}). Headers are read
    without regard to case (uvicorn writes them in lower case)."""
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read()), response.headers
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), error.headers
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, None, {}


@pytest.fixture
def door(open_session, lampang_venue):
    """A Lampang venue with 150 registered people and a scanner device."""
    people = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(150)]
    _device, token = issue_scanner_device(venue=lampang_venue, name="โต๊ะ 1", actor=make_user(kind="central"))
    scans = [{"code": person.get_ticket(), "nonce": uuid.uuid4().hex, "scanned_at": timezone.localtime().isoformat()} for person in people]
    return {"people": people, "token": token, "scans": scans}


def test_server_killed_during_an_upload_records_every_scan_once_after_resync(door):
    import threading

    with ProductionServer() as server:
        answers = []
        upload = threading.Thread(target=lambda: answers.append(post(server.url, door["token"], "/api/checkins/batch", {"scans": door["scans"]})))
        upload.start()
        deadline = time.monotonic() + 30
        while not CheckIn.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()  # somewhere in the middle of recording the upload
        upload.join(30)
    recorded_before = CheckIn.objects.count()
    assert answers == [(None, None, {})]  # the scanner never got its answer, so it keeps its outbox
    assert 0 < recorded_before < len(door["scans"])

    with ProductionServer() as server:  # restarted: the scanner sends its outbox again
        status, body, _ = post(server.url, door["token"], "/api/checkins/batch", {"scans": door["scans"]})
    assert status == 200
    codes = [r["code"] for r in body["results"]]
    assert codes == ["ok"] * len(door["scans"])
    assert sum(r["replayed"] for r in body["results"]) == recorded_before
    assert CheckIn.objects.count() == len(door["people"])
    assert sorted(CheckIn.objects.values_list("nonce", flat=True)) == sorted(s["nonce"] for s in door["scans"])


def test_postgresql_unreachable_mid_stream_answers_503_and_loses_nothing(services, door):
    """Scans keep coming while the database goes away for a few seconds: the device API answers
    503 JSON with Retry-After (never an HTML 500); the device keeps each refused scan and sends it
    again, and once the database is back every scan is recorded exactly once."""
    port = int(connection.settings_dict["PORT"] or 5432)
    scans = door["scans"][:60]
    with TcpProxy(port) as proxy:
        env = {
            "DATABASE_URL": services["DATABASE_URL"].replace(f":{port}/", f":{proxy.port}/"),
            "REDIS_URL": services["REDIS_URL"],
            "DATABASE_POOL_SIZE": "2",
            "DATABASE_POOL_TIMEOUT": "1",
        }
        statuses, unavailable = [], []
        with ProductionServer(env) as server:
            queue = list(scans)
            sent = 0
            cut_at, restore_at = None, None
            deadline = time.monotonic() + 90
            while queue and time.monotonic() < deadline:
                if sent == 20 and cut_at is None:
                    proxy.cut()
                    cut_at = time.monotonic()
                if cut_at and restore_at is None and time.monotonic() - cut_at > 3:
                    proxy.restore()
                    restore_at = time.monotonic()
                scan = queue[0]
                status, body, headers = post(server.url, door["token"], "/api/checkins", {"code": scan["code"], "nonce": scan["nonce"]})
                statuses.append(status)
                sent += 1
                if status in (200, 201):
                    queue.pop(0)
                elif status == 503:
                    unavailable.append((body, headers))
                    time.sleep(min(float(headers.get("Retry-After", 1)), 0.5))  # honoured, shortened for the test
                else:
                    raise AssertionError(f"unexpected answer {status}: {body}")
    assert not queue, "some scans were never recorded"
    assert unavailable, "the outage was never seen"
    assert all(body["code"] == "unavailable" and headers.get("Retry-After") == "5" for body, headers in unavailable)
    assert 500 not in statuses and None not in statuses
    assert CheckIn.objects.count() == len(scans)
    assert sorted(CheckIn.objects.values_list("nonce", flat=True)) == sorted(s["nonce"] for s in scans)
