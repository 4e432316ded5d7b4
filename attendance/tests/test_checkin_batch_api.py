"""POST /api/checkins/batch, the scanner snapshot and heartbeat: what offline scanners upload.

Every case runs through Django's test client (WSGI) and its ASGI client, the path production runs."""

import datetime
import uuid

import pytest
from asgiref.sync import async_to_sync
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.test import AsyncClient, Client
from django.utils import timezone

from attendance.api import BATCH_MAX
from attendance.models import CheckIn, CheckInEvent, ScannerStatus
from attendance.services import CLOCK_GRACE, issue_scanner_device, revoke_scanner_device
from meetings.models import Profile
from meetings.tests.factories import make_session
from registration.models import RegistrationStatus
from registration.services import reissue_ticket
from registration.tests.factories import make_registration
from registration.tickets import _b64decode

pytestmark = pytest.mark.django_db

BATCH = "/api/checkins/batch"


class Caller:
    """One scanner's HTTP client, through WSGI or ASGI; JSON in and out."""

    def __init__(self, kind, enforce_csrf=True):
        self.kind = kind
        self.client = (AsyncClient if kind == "asgi" else Client)(enforce_csrf_checks=enforce_csrf)
        self.headers = {}

    def _call(self, method, *args, **kwargs):
        kwargs.setdefault("headers", {}).update(self.headers)
        call = getattr(self.client, method)
        return async_to_sync(call)(*args, **kwargs) if self.kind == "asgi" else call(*args, **kwargs)

    def get(self, path, **kwargs):
        return self._call("get", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self._call("post", path, data, content_type="application/json", **kwargs)

    def login_desk(self, user, venue):
        """A member of staff opens the desk scanner page: session cookie and CSRF token."""
        self.client.force_login(user)
        page = self.get(f"/sessions/{venue.session_id}/venues/{venue.pk}/scanner/")
        assert page.status_code == 200
        self.headers["X-CSRFToken"] = self.client.cookies["csrftoken"].value


@pytest.fixture(params=["wsgi", "asgi"])
def transport(request):
    return request.param


@pytest.fixture
def desk(transport, lampang_officer, lampang_venue):
    caller = Caller(transport)
    caller.login_desk(lampang_officer, lampang_venue)
    return caller


@pytest.fixture
def device_caller(transport, lampang_venue, lampang_officer):
    device, token = issue_scanner_device(venue=lampang_venue, name="เครื่องสแกน 1", actor=lampang_officer)
    caller = Caller(transport, enforce_csrf=False)
    caller.headers["Authorization"] = f"Bearer {token}"
    caller.device = device
    return caller


def scan_of(registration_or_code, minutes_ago=5, nonce=None):
    code = registration_or_code if isinstance(registration_or_code, str) else registration_or_code.get_ticket()
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return {"code": code, "nonce": nonce or uuid.uuid4().hex, "scanned_at": at.isoformat()}


def upload(caller, venue, scans, client=None):
    body = {"venue": venue.pk, "scans": scans}
    if client is not None:
        body["client"] = client
    return caller.post(BATCH, body)


def test_offline_scans_are_recorded_at_their_scanned_times(desk, lampang_venue, attendee, open_session, lampang_officer):
    others = [make_registration(open_session, "TH-52", venue=lampang_venue) for _ in range(4)]
    scans = [scan_of(person, minutes_ago=10 - i) for i, person in enumerate([attendee, *others])]
    response = upload(desk, lampang_venue, scans, client={"id": "desk-1", "label": "โต๊ะ 1", "pending": 5})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["code"] for r in results] == ["ok"] * 5
    assert [r["nonce"] for r in results] == [s["nonce"] for s in scans]
    for scan, checkin in zip(scans, CheckIn.objects.order_by("checked_in_at"), strict=True):
        assert checkin.checked_in_at == datetime.datetime.fromisoformat(scan["scanned_at"])
        assert checkin.nonce == scan["nonce"] and checkin.method == "scanner" and checkin.recorded_by == lampang_officer
    assert CheckInEvent.objects.count() == 5
    status = ScannerStatus.objects.get()
    assert (status.venue, status.label, status.pending, status.user) == (lampang_venue, "โต๊ะ 1", 5, lampang_officer)
    assert status.last_sync_at is not None


def test_a_resent_batch_records_each_scan_once(desk, lampang_venue, attendee, open_session):
    scans = [scan_of(attendee), scan_of(make_registration(open_session, "TH-52", venue=lampang_venue))]
    first = upload(desk, lampang_venue, scans).json()["results"]
    again = upload(desk, lampang_venue, scans).json()["results"]
    assert [r["code"] for r in first] == ["ok", "ok"]
    assert [(r["code"], r["replayed"]) for r in again] == [("ok", True), ("ok", True)]
    assert CheckIn.objects.count() == 2 and CheckInEvent.objects.count() == 2


def test_ticket_used_at_another_venue_comes_back_as_a_conflict(desk, lampang_venue, chiangmai_venue, attendee):
    from attendance.services import perform_checkin

    perform_checkin(session=attendee.session, method="scanner", scanned=attendee.get_ticket(), venue=chiangmai_venue)
    (result,) = upload(desk, lampang_venue, [scan_of(attendee)]).json()["results"]
    assert result["code"] == "already_checked_in" and result["level"] == "warning" and not result["ok"]
    assert chiangmai_venue.name in result["message"]
    assert CheckIn.objects.get().venue == chiangmai_venue


def test_empty_upload_is_refused_whole(desk, lampang_venue):
    response = upload(desk, lampang_venue, [])
    assert response.status_code == 400 and response.json()["code"] == "empty_batch"
    assert not ScannerStatus.objects.exists()


def test_more_scans_than_the_limit_are_refused_whole(desk, lampang_venue, attendee):
    scans = [scan_of(attendee) for _ in range(BATCH_MAX + 1)]
    response = upload(desk, lampang_venue, scans, client={"id": "desk-1", "pending": 300})
    assert response.status_code == 400 and response.json()["code"] == "too_many_scans"
    assert str(BATCH_MAX) in response.json()["message"] and response.json()["details"] == {"max": BATCH_MAX}
    assert not CheckIn.objects.exists() and not ScannerStatus.objects.exists()


def test_duplicate_nonce_in_one_upload_counts_once(desk, lampang_venue, attendee, open_session):
    other = make_registration(open_session, "TH-52", venue=lampang_venue)
    results = upload(desk, lampang_venue, [scan_of(attendee, nonce="same"), scan_of(other, nonce="same")]).json()["results"]
    assert [r["code"] for r in results] == ["ok", "duplicate_nonce"]
    assert results[1]["level"] == "danger"
    assert list(CheckIn.objects.values_list("registration_id", flat=True)) == [attendee.pk]


def test_future_scan_time_is_refused(desk, lampang_venue, attendee):
    (result,) = upload(desk, lampang_venue, [scan_of(attendee, minutes_ago=-10)]).json()["results"]
    assert result["code"] == "future_time" and not CheckIn.objects.exists()


def test_scan_time_before_the_window_is_refused(desk, lampang_venue, attendee, open_session):
    opens, _closes = open_session.checkin_window
    early = opens - CLOCK_GRACE - datetime.timedelta(minutes=1)
    scan = {**scan_of(attendee), "scanned_at": early.isoformat()}
    (result,) = upload(desk, lampang_venue, [scan]).json()["results"]
    assert result["code"] == "not_open" and not CheckIn.objects.exists()


def test_another_sessions_ticket_is_refused_without_naming_the_person(desk, lampang_venue):
    stranger = make_registration(make_session(), "TH-52", first_name="คนอื่น")
    (result,) = upload(desk, lampang_venue, [scan_of(stranger)]).json()["results"]
    assert result["code"] == "wrong_session" and result.get("registration") is None
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("code", ["PT1.AAAA", "PT1." + "A" * 100, "not a ticket", "https://example.org/p/forged:sig/"])
def test_malformed_or_forged_ticket_is_unknown(desk, lampang_venue, code):
    (result,) = upload(desk, lampang_venue, [scan_of(code)]).json()["results"]
    assert result["code"] == "unknown_token" and not CheckIn.objects.exists()


@pytest.mark.parametrize(
    "broken",
    [
        {"nonce": ""},
        {"code": ""},
        {"scanned_at": "yesterday"},
        {"scanned_at": "2021-11-25T08:52:00"},
        {"code": 42},
    ],
)
def test_scan_missing_a_part_is_a_bad_scan_and_the_rest_still_count(desk, lampang_venue, attendee, open_session, broken):
    good = scan_of(make_registration(open_session, "TH-52", venue=lampang_venue))
    results = upload(desk, lampang_venue, [{**scan_of(attendee), **broken}, good]).json()["results"]
    assert [r["code"] for r in results] == ["bad_scan", "ok"]
    assert CheckIn.objects.count() == 1


def test_replaced_badge_is_refused(desk, lampang_venue, attendee, lampang_officer):
    old = scan_of(attendee)
    reissue_ticket(registration=attendee, actor=lampang_officer)
    (result,) = upload(desk, lampang_venue, [old]).json()["results"]
    assert result["code"] == "revoked" and not CheckIn.objects.exists()


def test_desk_upload_needs_the_csrf_token(transport, lampang_officer, lampang_venue, attendee):
    caller = Caller(transport)
    caller.login_desk(lampang_officer, lampang_venue)
    del caller.headers["X-CSRFToken"]
    assert upload(caller, lampang_venue, [scan_of(attendee)]).status_code == 403
    assert not CheckIn.objects.exists()


def test_officer_cannot_upload_for_another_provinces_venue(transport, chiangmai_officer, chiangmai_venue, lampang_venue, attendee):
    caller = Caller(transport)
    caller.login_desk(chiangmai_officer, chiangmai_venue)
    assert upload(caller, lampang_venue, [scan_of(attendee)]).status_code == 404
    assert caller.get(f"/api/scanner/snapshot?venue={lampang_venue.pk}").status_code == 404
    assert not CheckIn.objects.exists()


def test_logout_stops_the_next_upload(desk, lampang_venue, attendee, open_session):
    assert upload(desk, lampang_venue, [scan_of(attendee)]).status_code == 200
    csrf = desk.client.cookies["csrftoken"].value
    desk.client.logout()
    desk.client.cookies["csrftoken"] = csrf  # a browser keeps its CSRF cookie after logging out
    other = make_registration(open_session, "TH-52", venue=lampang_venue)
    assert upload(desk, lampang_venue, [scan_of(other)]).status_code == 401
    assert desk.get(f"/api/scanner/snapshot?venue={lampang_venue.pk}").status_code == 401
    assert CheckIn.objects.count() == 1


def test_role_change_stops_the_next_upload(desk, lampang_venue, attendee, lampang_officer, open_session):
    assert upload(desk, lampang_venue, [scan_of(attendee)]).status_code == 200
    other = make_registration(open_session, "TH-52", venue=lampang_venue)
    Profile.objects.filter(user=lampang_officer).update(province=chiangmai_province())  # moved to Chiang Mai
    assert upload(desk, lampang_venue, [scan_of(other)]).status_code == 404
    Profile.objects.filter(user=lampang_officer).delete()  # no longer staff
    assert upload(desk, lampang_venue, [scan_of(other)]).status_code == 401
    assert CheckIn.objects.count() == 1


def chiangmai_province():
    from meetings.models import Province

    return Province.objects.get(code="TH-50")


def test_device_uploads_for_its_own_venue_only(device_caller, lampang_venue, chiangmai_venue, attendee):
    response = device_caller.post(BATCH, {"scans": [scan_of(attendee)]})
    assert response.status_code == 200 and response.json()["results"][0]["code"] == "ok"
    checkin = CheckIn.objects.get()
    assert (checkin.method, checkin.device, checkin.venue) == ("api", device_caller.device, lampang_venue)
    assert device_caller.post(BATCH, {"venue": chiangmai_venue.pk, "scans": [scan_of(attendee)]}).status_code == 404


def test_revoked_device_token_stops_the_next_scan(device_caller, lampang_officer, attendee, open_session, lampang_venue):
    assert device_caller.post(BATCH, {"scans": [scan_of(attendee)]}).status_code == 200
    revoke_scanner_device(device=device_caller.device, actor=lampang_officer)
    other = make_registration(open_session, "TH-52", venue=lampang_venue)
    assert device_caller.post(BATCH, {"scans": [scan_of(other)]}).status_code == 401
    assert device_caller.post("/api/checkins", {"code": other.get_ticket(), "nonce": "x"}).status_code == 401
    assert CheckIn.objects.count() == 1


def test_snapshot_lets_a_scanner_verify_tickets_offline(
    desk, lampang_venue, chiangmai_venue, attendee, open_session, chiangmai_attendee, lampang_officer
):
    cancelled = make_registration(open_session, "TH-52", venue=lampang_venue, status=RegistrationStatus.CANCELLED)
    reissue_ticket(registration=attendee, actor=lampang_officer)
    from attendance.services import perform_checkin

    perform_checkin(session=open_session, method="scanner", scanned=chiangmai_attendee.get_ticket(), venue=chiangmai_venue)
    response = desk.get(f"/api/scanner/snapshot?venue={lampang_venue.pk}")
    assert response.status_code == 200
    snapshot = response.json()
    key = Ed25519PublicKey.from_public_bytes(_b64decode(snapshot["public_key"]))
    raw = _b64decode(attendee.get_ticket()[4:])
    key.verify(raw[11:], raw[:11])  # raises when the published key does not verify the badge
    people = {p["id"]: p for p in snapshot["people"]}
    assert people[attendee.pk] == {
        "id": attendee.pk,
        "v": 2,
        "here": True,
        "in": None,
        "name": "นายสมศรี ม.",
        "province": "ลำปาง",
        "role": attendee.role.name,
    }
    # Someone expected elsewhere: no name, only what decides the colour.
    assert set(people[chiangmai_attendee.pk]) == {"id", "v", "here", "in"}
    assert people[chiangmai_attendee.pk]["in"]["venue"] == chiangmai_venue.name
    assert snapshot["revoked"] == [cancelled.pk] and cancelled.pk not in people
    assert snapshot["expires_at"] == open_session.checkin_window[1].isoformat()
    assert "national_id" not in response.content.decode() and attendee.phone not in response.content.decode()


def test_heartbeat_shows_on_the_dashboard_snapshot(desk, lampang_venue, open_session):
    from attendance.selectors import dashboard_view, get_attendance_snapshot

    oldest = (timezone.now() - datetime.timedelta(minutes=3)).isoformat()
    response = desk.post(
        "/api/scanner/heartbeat", {"venue": lampang_venue.pk, "client": {"id": "desk-1", "label": "โต๊ะ 1", "pending": 7, "oldest_pending_at": oldest}}
    )
    assert response.status_code == 200
    view = dashboard_view(get_attendance_snapshot(open_session.pk))
    (venue,) = view["scanners"]
    assert (venue["venue_id"], venue["pending"], venue["scanners"], venue["last_sync"]) == (lampang_venue.pk, 7, 1, None)
    assert venue["oldest_pending"] is not None
    assert dashboard_view(get_attendance_snapshot(open_session.pk), "TH-50")["scanners"] == []
