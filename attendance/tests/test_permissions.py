"""Permission matrix over every check-in and report URL: anonymous → login, an attendee's plain
login → 403, the Lampang officer → Lampang only, the Chiang Mai officer → 404 for Lampang's
venue, central staff → everything."""

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from attendance.models import CheckIn, ScannerStatus
from attendance.services import issue_scanner_device
from attendance.venue_codes import make_venue_code

pytestmark = pytest.mark.django_db

ANON, ATTENDEE, LAMPANG, CHIANGMAI, CENTRAL = "anonymous", "attendee", "lampang", "chiangmai", "central"
LOGIN = "login"

# (name, method, url template, {who: expected status}); "login" means a redirect to the login page.
STAFF_VENUE = {ANON: LOGIN, ATTENDEE: 403, LAMPANG: 200, CHIANGMAI: 404, CENTRAL: 200}
STAFF_SESSION = {ANON: LOGIN, ATTENDEE: 403, LAMPANG: 200, CHIANGMAI: 200, CENTRAL: 200}
CENTRAL_ONLY = {ANON: LOGIN, ATTENDEE: 403, LAMPANG: 403, CHIANGMAI: 403, CENTRAL: 200}
CENTRAL_ONLY_POST = {ANON: LOGIN, ATTENDEE: 403, LAMPANG: 403, CHIANGMAI: 403, CENTRAL: 302}
PUBLIC = {ANON: 200, ATTENDEE: 200, LAMPANG: 200, CHIANGMAI: 200, CENTRAL: 200}

MATRIX = [
    ("checkin_home", "get", "/sessions/{s}/checkin/", STAFF_SESSION),
    ("scanner", "get", "/sessions/{s}/venues/{v}/scanner/", STAFF_VENUE),
    ("scan", "post", "/sessions/{s}/venues/{v}/scan/", STAFF_VENUE),
    ("search", "get", "/sessions/{s}/venues/{v}/search/?q=test", STAFF_VENUE),
    ("venue_display", "get", "/sessions/{s}/venues/{v}/display/", STAFF_VENUE),
    ("venue_display_code", "get", "/sessions/{s}/venues/{v}/display/code/", STAFF_VENUE),
    ("devices", "get", "/sessions/{s}/venues/{v}/devices/", STAFF_VENUE),
    ("device_revoke", "post", "/sessions/{s}/venues/{v}/devices/{d}/revoke/", {**STAFF_VENUE, LAMPANG: 302, CENTRAL: 302}),
    ("signin_sheet", "get", "/sessions/{s}/venues/{v}/signin-sheet.pdf", STAFF_VENUE),
    ("report", "get", "/sessions/{s}/attendance/report/", STAFF_SESSION),
    ("report_xlsx", "get", "/sessions/{s}/attendance/report.xlsx", STAFF_SESSION),
    ("live_dashboard", "get", "/sessions/{s}/attendance/live/", STAFF_SESSION),
    ("checkins", "get", "/sessions/{s}/checkins/", CENTRAL_ONLY),
    ("manual_checkin", "post", "/sessions/{s}/checkins/manual/", CENTRAL_ONLY_POST),
    ("undo_checkin", "post", "/sessions/{s}/checkins/{r}/undo/", CENTRAL_ONLY_POST),
    ("self_checkin", "get", "/c/{code}/", PUBLIC),
    ("self_checkin_forget", "post", "/c/forget/", dict.fromkeys(PUBLIC, 302)),
    ("scanner_manifest", "get", "/sessions/{s}/venues/{v}/scanner/manifest.webmanifest", STAFF_VENUE),
    ("scanner_service_worker", "get", "/scanner-sw.js", PUBLIC),  # code only: no data, no venue
]

# The scanner endpoints of the JSON API, with a staff session (the desk page): 401 without one.
API_MATRIX = [
    ("get", "/api/scanner/snapshot?venue={v}"),
    ("post", "/api/scanner/heartbeat"),
    ("post", "/api/checkins/batch"),
]
API_EXPECTED = {ANON: 401, ATTENDEE: 401, LAMPANG: 200, CHIANGMAI: 404, CENTRAL: 200}


@pytest.fixture
def people(lampang_officer, chiangmai_officer, central_organiser):
    attendee_login = get_user_model().objects.create_user("attendee-login", password="x-2564-pass")
    return {ANON: None, ATTENDEE: attendee_login, LAMPANG: lampang_officer, CHIANGMAI: chiangmai_officer, CENTRAL: central_organiser}


@pytest.mark.parametrize("who", [ANON, ATTENDEE, LAMPANG, CHIANGMAI, CENTRAL])
@pytest.mark.parametrize("name,method,template,expected", MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, people, who, name, method, template, expected, open_session, lampang_venue, attendee, lampang_officer):
    device, _token = issue_scanner_device(venue=lampang_venue, name="d", actor=lampang_officer)
    url = template.format(s=open_session.pk, v=lampang_venue.pk, d=device.pk, r=attendee.pk, code=make_venue_code(lampang_venue.pk, time.time()))
    if people[who] is not None:
        client.force_login(people[who])
    if method == "post":
        body = {"registration": attendee.pk, "reason": "ทดสอบ"} if name in ("manual_checkin", "undo_checkin") else {}
        if name == "scan":
            response = client.post(url, json.dumps({"code": attendee.get_personal_url()}), content_type="application/json")
        else:
            response = client.post(url, body)
    else:
        response = client.get(url)
    want = expected[who]
    if want == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == want


@pytest.mark.parametrize("who", [ANON, ATTENDEE, LAMPANG, CHIANGMAI, CENTRAL])
@pytest.mark.parametrize("method,template", API_MATRIX, ids=[row[1].split("?")[0] for row in API_MATRIX])
def test_scanner_api_permission_matrix(client, people, who, method, template, open_session, lampang_venue, attendee):
    if people[who] is not None:
        client.force_login(people[who])
    url = template.format(v=lampang_venue.pk)
    if method == "get":
        response = client.get(url)
    else:
        scan = {"code": attendee.get_ticket(), "nonce": "n-1", "scanned_at": timezone.now().isoformat()}
        body = {"venue": lampang_venue.pk, "client": {"id": "desk"}, "scans": [scan]}
        response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == API_EXPECTED[who]
    if API_EXPECTED[who] != 200:
        assert not CheckIn.objects.exists() and not ScannerStatus.objects.exists()


def test_every_attendance_url_is_in_the_matrix():
    from attendance.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {row[0] for row in MATRIX}


def test_chiangmai_officer_report_shows_only_chiangmai(client, chiangmai_officer, open_session, attendee, chiangmai_attendee):
    client.force_login(chiangmai_officer)
    html = client.get(f"/sessions/{open_session.pk}/attendance/report/").content.decode()
    assert "เชียงใหม่" in html and "ลำปาง" not in html


def test_officer_checkin_home_lists_only_own_venue(client, lampang_officer, open_session, lampang_venue, chiangmai_venue):
    client.force_login(lampang_officer)
    html = client.get(f"/sessions/{open_session.pk}/checkin/").content.decode()
    assert f"/venues/{lampang_venue.pk}/scanner/" in html and f"/venues/{chiangmai_venue.pk}/scanner/" not in html


def test_officer_cannot_revoke_another_venues_device(client, chiangmai_officer, lampang_venue, lampang_officer):
    device, _ = issue_scanner_device(venue=lampang_venue, name="d", actor=lampang_officer)
    client.force_login(chiangmai_officer)
    assert client.post(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/devices/{device.pk}/revoke/").status_code == 404
    device.refresh_from_db()
    assert device.revoked_at is None


def test_api_without_token_is_401(client):
    for path in ("/api/stats", "/api/device", "/api/registrations/lookup?code=x"):
        assert client.get(path).status_code == 401
