"""The pages reached by a token in their address are rate limited per client address (meetings/ratelimit.py):
a wrong or expired link costs RATE_LIMIT_MISS_COST, a right one 1; past the limit the address gets 429 with
Retry-After and a Thai message until the minute ends. A province's room behind one address is not limited."""

import json
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from django.test import Client

from attendance.models import CheckIn
from attendance.tests.faults import ProductionServer
from attendance.venue_codes import make_venue_code
from attendance.views import selfcheckin
from meetings import ratelimit
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db
ROOM_IP, OTHER_IP = "203.0.113.7", "198.51.100.9"


@pytest.fixture
def small_limit(settings):
    settings.RATE_LIMIT_TOKEN_PER_MINUTE = 100
    settings.RATE_LIMIT_MISS_COST = 20
    return settings


@pytest.fixture
def frozen(monkeypatch):
    """The rate limit's clock, 20 s into a minute, moved by hand."""
    now = {"t": 1_900_000_040.0}  # 20 s into a minute
    monkeypatch.setattr(ratelimit, "clock", lambda: now["t"])
    return now


def _status(url):
    # JSON: the test server has no collected static files for the 429 page's stylesheets.
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def personal_path(registration):
    return urlparse(registration.get_personal_url()).path


def get(path, address=ROOM_IP, client=None, **headers):
    return (client or Client()).get(path, REMOTE_ADDR=address, **headers)


def test_wrong_links_run_out_after_a_few_guesses_with_a_thai_429(attendee, small_limit, frozen):
    statuses = [get(f"/p/not-a-real-token-{n}/").status_code for n in range(5)]
    assert statuses == [404] * 5  # 5 × 20 = the limit of 100
    response = get("/p/not-a-real-token-5/")
    assert response.status_code == 429
    assert response["Retry-After"] == "40"  # the minute began 20 s ago
    assert "มีคำขอจากเครือข่ายของท่านมากเกินไป กรุณารอ 40 วินาทีแล้วลองใหม่" in response.content.decode()
    # The whole address waits, right link or not; another address does not.
    assert get(personal_path(attendee)).status_code == 429
    assert get(personal_path(attendee), OTHER_IP).status_code == 200


def test_a_right_link_costs_one_request(attendee, small_limit, frozen):
    path = personal_path(attendee)
    assert {get(path).status_code for _ in range(100)} == {200}
    assert get(path).status_code == 429


def test_the_limit_ends_with_its_minute(attendee, small_limit, frozen):
    for n in range(6):
        get(f"/p/guess-{n}/")
    assert get(personal_path(attendee)).status_code == 429
    frozen["t"] += 40
    assert get(personal_path(attendee)).status_code == 200


def test_every_page_under_a_personal_link_is_limited(attendee, small_limit, frozen):
    path = personal_path(attendee)
    for sub in ("calendar.ics", "learn/", "learn/quizzes/999/", "learn/certificate.pdf"):
        get(path + sub)
    for n in range(5):
        get(f"/p/guess-{n}/calendar.ics")
    assert get(path + "learn/").status_code == 429


def test_the_venue_check_in_code_and_certificate_checks_are_limited(attendee, small_limit, frozen):
    statuses = [get("/c/not-a-code/").status_code, get("/certificates/verify/NOPE/").status_code]
    assert all(400 <= status < 500 for status in statuses)
    for n in range(3):
        get(f"/c/bad-{n}/")
    assert get("/certificates/verify/NOPE2/").status_code == 429


def test_a_page_asked_for_json_gets_429_in_json(attendee, small_limit, frozen):
    for n in range(5):
        get(f"/p/guess-{n}/")
    response = get(personal_path(attendee) + "learn/attempts/1/state.json", HTTP_ACCEPT="application/json")
    assert response.status_code == 429 and response["Retry-After"] == "40"
    body = json.loads(response.content)
    assert body["code"] == "rate_limited" and body["details"] == {"retry_after": 40}


def test_staff_pages_are_not_counted(client, lampang_officer, open_session, small_limit, frozen):
    client.force_login(lampang_officer)
    statuses = {client.get(f"/sessions/{open_session.pk}/registrations/", REMOTE_ADDR=ROOM_IP).status_code for _ in range(110)}
    assert statuses == {200}


def test_a_province_room_behind_one_address_is_not_limited_by_default(open_session, lampang_venue, frozen, monkeypatch):
    """30 people on a hotel's Wi-Fi, in the same minute: each opens their page and calendar, checks in with the
    venue's QR, and opens the learning page 20 times (as many requests as answering a 20-question quiz)."""
    # The venue QR's rotation stands still too: a slow machine must not see the code expire mid-test.
    monkeypatch.setattr(selfcheckin, "clock", lambda now=selfcheckin.clock(): now)
    people = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(30)]
    code = make_venue_code(lampang_venue.pk, selfcheckin.clock())
    statuses = []
    for person in people:
        phone = Client()
        path = personal_path(person)
        statuses += [get(path, client=phone).status_code, get(path + "calendar.ics", client=phone).status_code]
        page = get(f"/c/{code}/", client=phone)
        statuses.append(page.status_code)
        confirm = phone.post(f"/c/{code}/", {"ticket": page.context["ticket"], "nonce": page.context["nonce"]}, REMOTE_ADDR=ROOM_IP)
        statuses.append(confirm.status_code)
        statuses += [get(path + "learn/", client=phone).status_code for _ in range(20)]
    assert len(statuses) == 30 * 24
    assert set(statuses) == {200}
    assert CheckIn.objects.count() == 30


# --- across server processes (Redis) --------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_server_processes_share_the_count_through_redis(services):
    """Two production servers on one Redis: guesses sent to one are counted by the other."""
    extra = {**services, "RATE_LIMIT_TOKEN_PER_MINUTE": "100", "RATE_LIMIT_MISS_COST": "20"}
    with ProductionServer(extra) as first, ProductionServer(extra) as second:
        guesses = [_status(first.url + f"/p/guess-{n}/") for n in range(5)]
        answer = _status(second.url + "/p/guess-5/")
    assert guesses == [404] * 5
    assert answer == 429
