"""Permission matrix over every check-in and report URL: anonymous → login, an attendee's plain
login → 403, the Lampang officer → Lampang only, the Chiang Mai officer → 404 for Lampang's
venue, central staff → everything. And over every route of the JSON API, for those people and for
two scanner devices of the session: the Lampang venue's and the Chiang Mai venue's."""

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.urls import get_resolver
from django.utils import timezone

from attendance.models import CheckIn, ScannerStatus, VcParticipant, VcParticipantKind, VcPlatform, VcReport, VcReportStatus
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
    ("signin_sheets", "post", "/sessions/{s}/attendance/signin-sheets/", CENTRAL_ONLY_POST),  # every venue: a background job
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
    # Video-conference reports: central staff import and review; officers read their province's part of the attendance.
    ("vc_reports", "get", "/sessions/{s}/attendance/vc/", CENTRAL_ONLY),
    ("vc_upload", "post", "/sessions/{s}/attendance/vc/upload/", {**CENTRAL_ONLY, CENTRAL: 400}),  # no file: the form again
    ("vc_review", "get", "/sessions/{s}/attendance/vc/{rep}/", CENTRAL_ONLY),
    ("vc_confirm", "post", "/sessions/{s}/attendance/vc/{rep}/confirm/", CENTRAL_ONLY_POST),
    ("vc_discard", "post", "/sessions/{s}/attendance/vc/{rep}/discard/", CENTRAL_ONLY_POST),
    ("vc_match", "post", "/sessions/{s}/attendance/vc/{rep}/names/{name}/", CENTRAL_ONLY_POST),
    ("vc_attendance", "get", "/sessions/{s}/attendance/combined/", STAFF_SESSION),
    ("vc_attendance_xlsx", "get", "/sessions/{s}/attendance/combined.xlsx", STAFF_SESSION),
]

# Every route of the JSON API (namespace "api"). A device carries its bearer token; people their
# session (the desk page); a device sees its own venue only: a lookup of someone expected at another
# venue answers as a code that names nobody (400), another venue's snapshot or upload 404.
LAMPANG_DEVICE, CHIANGMAI_DEVICE = "lampang device", "chiangmai device"
API_WHO = [ANON, ATTENDEE, LAMPANG, CHIANGMAI, CENTRAL, LAMPANG_DEVICE, CHIANGMAI_DEVICE]
PUBLIC_API = dict.fromkeys(API_WHO, 200)
DEVICES_ONLY = {**dict.fromkeys(API_WHO, 401), LAMPANG_DEVICE: 200, CHIANGMAI_DEVICE: 200}
LAMPANG_SCANNERS = {ANON: 401, ATTENDEE: 401, LAMPANG: 200, CHIANGMAI: 404, CENTRAL: 200, LAMPANG_DEVICE: 200, CHIANGMAI_DEVICE: 404}
API_MATRIX = [
    ("openapi-json", "get", "/api/openapi.json", PUBLIC_API),
    ("openapi-view", "get", "/api/docs", PUBLIC_API),
    ("api-root", "get", "/api/", dict.fromkeys(API_WHO, 404)),  # ninja's root: nothing there
    ("device_info", "get", "/api/device", DEVICES_ONLY),
    ("stats", "get", "/api/stats", DEVICES_ONLY),  # each device its own venue's figures
    ("lookup", "get", "/api/registrations/lookup?code={ticket}", {**DEVICES_ONLY, CHIANGMAI_DEVICE: 400}),
    # Checking in someone expected elsewhere records them "at another venue": the person is at the door.
    ("create_checkin", "post", "/api/checkins", {**DEVICES_ONLY, LAMPANG_DEVICE: 201, CHIANGMAI_DEVICE: 201}),
    ("snapshot", "get", "/api/scanner/snapshot?venue={v}", LAMPANG_SCANNERS),
    ("heartbeat", "post", "/api/scanner/heartbeat", LAMPANG_SCANNERS),
    ("upload_checkins", "post", "/api/checkins/batch", LAMPANG_SCANNERS),
]


@pytest.fixture
def api_callers(people, lampang_venue, chiangmai_venue, lampang_officer):
    """Who calls the API: the people (a session login) and two devices (a bearer token each)."""
    callers = {who: {"user": user} for who, user in people.items()}
    for who, venue in ((LAMPANG_DEVICE, lampang_venue), (CHIANGMAI_DEVICE, chiangmai_venue)):
        _device, token = issue_scanner_device(venue=venue, name=who, actor=lampang_officer)
        callers[who] = {"headers": {"HTTP_AUTHORIZATION": f"Bearer {token}"}}
    return callers


@pytest.fixture
def people(lampang_officer, chiangmai_officer, central_organiser):
    attendee_login = get_user_model().objects.create_user("attendee-login", password="x-2564-pass")
    return {ANON: None, ATTENDEE: attendee_login, LAMPANG: lampang_officer, CHIANGMAI: chiangmai_officer, CENTRAL: central_organiser}


@pytest.mark.parametrize("who", [ANON, ATTENDEE, LAMPANG, CHIANGMAI, CENTRAL])
@pytest.mark.parametrize("name,method,template,expected", MATRIX, ids=[row[0] for row in MATRIX])
def test_permission_matrix(client, people, who, name, method, template, expected, open_session, lampang_venue, attendee, lampang_officer):
    device, _token = issue_scanner_device(venue=lampang_venue, name="d", actor=lampang_officer)
    vc_report = VcReport.objects.create(session=open_session, platform=VcPlatform.ZOOM, file_hash="0" * 64, status=VcReportStatus.PENDING)
    vc_name = VcParticipant.objects.create(report=vc_report, display_name="สมศรี มีสุข", registration=attendee, kind=VcParticipantKind.PERSON)
    url = template.format(
        s=open_session.pk,
        v=lampang_venue.pk,
        d=device.pk,
        r=attendee.pk,
        code=make_venue_code(lampang_venue.pk, time.time()),
        rep=vc_report.pk,
        name=vc_name.pk,
    )
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


@pytest.mark.parametrize("who", API_WHO)
@pytest.mark.parametrize("name,method,template,expected", API_MATRIX, ids=[row[0] for row in API_MATRIX])
def test_api_permission_matrix(client, api_callers, who, name, method, template, expected, lampang_venue, attendee):
    caller = api_callers[who]
    if caller.get("user") is not None:
        client.force_login(caller["user"])
    headers = caller.get("headers", {})
    url = template.format(v=lampang_venue.pk, ticket=attendee.get_ticket())
    if method == "get":
        response = client.get(url, **headers)
    else:
        scan = {"code": attendee.get_ticket(), "nonce": "n-1", "scanned_at": timezone.now().isoformat()}
        body = {"code": attendee.get_ticket(), "nonce": "n-1", "venue": lampang_venue.pk, "client": {"id": "desk"}, "scans": [scan]}
        response = client.post(url, json.dumps(body), content_type="application/json", **headers)
    assert response.status_code == expected[who]
    if response.status_code >= 400:
        assert not CheckIn.objects.exists() and not ScannerStatus.objects.exists()
        assert "สมศรี" not in response.content.decode()
    if name == "stats" and response.status_code == 200:
        assert response.json()["venue_id"] != lampang_venue.pk or who == LAMPANG_DEVICE


def test_every_api_route_is_in_the_matrix():
    """A new route of the JSON API without a row fails here."""
    _prefix, resolver = get_resolver().namespace_dict["api"]
    assert {name for name in resolver.reverse_dict if isinstance(name, str)} == {row[0] for row in API_MATRIX}


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
