"""The scanner-device JSON API: bearer auth, revoked devices, session limits, schema and docs."""

import pytest

from attendance.models import CheckIn, CheckInEvent, ScannerDevice
from attendance.services import issue_scanner_device, revoke_scanner_device
from attendance.tests.checkins import record_checkin
from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(lampang_venue, lampang_officer):
    device, token = issue_scanner_device(venue=lampang_venue, name="โต๊ะลงทะเบียน 1", actor=lampang_officer)
    device.plain_token = token
    return device


def auth(device):
    return {"HTTP_AUTHORIZATION": f"Bearer {device.plain_token}"}


def post_checkin(client, device, code, nonce="n1"):
    return client.post("/api/checkins", {"code": code, "nonce": nonce}, content_type="application/json", **auth(device))


def test_token_is_stored_only_as_a_hash(device):
    stored = ScannerDevice.objects.get(pk=device.pk)
    assert device.plain_token not in (stored.token_hash, stored.token_hint)
    assert stored.token_hash == ScannerDevice.hash_token(device.plain_token)


def test_checkin_through_the_api(client, device, attendee):
    response = post_checkin(client, device, attendee.get_personal_url())
    assert response.status_code == 201
    body = response.json()
    assert body["code"] == "ok" and body["registration"]["name"] == "นายสมศรี มีสุข"
    checkin = CheckIn.objects.get()
    assert checkin.method == "api" and checkin.device == device and checkin.venue == device.venue
    event = CheckInEvent.objects.get()
    assert event.device == device and event.method == "api" and event.venue == device.venue


def test_api_retry_with_same_nonce_records_once(client, device, attendee):
    assert post_checkin(client, device, attendee.get_personal_url(), "same").status_code == 201
    retry = post_checkin(client, device, attendee.get_personal_url(), "same")
    assert retry.status_code == 200 and retry.json()["code"] == "ok" and retry.json()["replayed"]
    second = post_checkin(client, device, attendee.get_personal_url(), "other")
    assert second.status_code == 200 and second.json()["code"] == "already_checked_in"
    assert CheckIn.objects.count() == 1


def test_api_refusal_records_nothing(client, device):
    response = post_checkin(client, device, "not a code")
    assert response.status_code == 400 and response.json()["code"] == "unknown_token"
    assert not CheckIn.objects.exists()


def test_other_sessions_attendee_is_refused(client, device):
    other = make_registration(make_session(), "TH-52")
    response = post_checkin(client, device, other.get_personal_url())
    assert response.status_code == 400 and response.json()["code"] == "wrong_session"
    assert "registration" not in response.json() or response.json()["registration"] is None
    lookup = client.get("/api/registrations/lookup", {"code": other.get_personal_url()}, **auth(device))
    assert lookup.status_code == 400
    # The one JSON shape of a refusal (meetings.errors.error_json), naming nobody of the other session.
    assert set(lookup.json()) == {"code", "message", "details"}
    assert lookup.json()["code"] == "wrong_session" and lookup.json()["details"] is None


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer prd_nonsense", "Token abc", "Basic dXNlcjpwYXNz"])
def test_missing_or_bad_token_is_401(client, attendee, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.post("/api/checkins", {"code": attendee.get_personal_url()}, content_type="application/json", **extra)
    assert response.status_code == 401
    assert not CheckIn.objects.exists()


def test_revoked_device_is_refused(client, device, attendee, lampang_officer):
    revoke_scanner_device(device=device, actor=lampang_officer)
    assert post_checkin(client, device, attendee.get_personal_url()).status_code == 401
    assert client.get("/api/stats", **auth(device)).status_code == 401


def test_a_second_revocation_keeps_the_first(device, lampang_officer, central_organiser):
    first = revoke_scanner_device(device=device, actor=lampang_officer).revoked_at
    stale = ScannerDevice.objects.get(pk=device.pk)
    stale.revoked_at = stale.revoked_by = None  # a copy read before the first revocation
    again = revoke_scanner_device(device=stale, actor=central_organiser)
    assert (again.revoked_at, again.revoked_by) == (first, lampang_officer)
    assert ScannerDevice.objects.filter(pk=device.pk, revoked_at=first, revoked_by=lampang_officer).exists()
    assert not CheckIn.objects.exists()


def test_lookup_does_not_check_in(client, device, attendee):
    response = client.get("/api/registrations/lookup", {"code": attendee.get_personal_url()}, **auth(device))
    assert response.status_code == 200
    body = response.json()
    assert body["registration"]["province"] == "ลำปาง" and body["checked_in"] is False and body["expected_here"] is True
    assert not CheckIn.objects.exists()


def test_stats_are_limited_to_the_devices_session(client, device, attendee, open_session):
    other_session = make_session()
    make_registration(other_session, "TH-52")
    make_registration(open_session, "TH-52")
    post_checkin(client, device, attendee.get_personal_url())
    body = client.get("/api/stats", **auth(device)).json()
    assert body["session_id"] == open_session.pk
    assert (body["registered"], body["checked_in"], body["venue_checked_in"]) == (2, 1, 1)
    assert body["on_time"] == 1 and body["late"] == 0 and body["percent"] == 50.0


def test_device_stats_count_only_the_people_expected_at_its_venue(client, device, attendee, chiangmai_attendee, lampang_venue, chiangmai_venue):
    """No national totals for a device: Chiang Mai's people are neither counted nor named."""
    make_registration(attendee.session, "TH-50", venue=chiangmai_venue)
    record_checkin(chiangmai_attendee, venue=chiangmai_venue)
    record_checkin(attendee, venue=lampang_venue)
    body = client.get("/api/stats", **auth(device)).json()
    assert (body["venue_id"], body["registered"], body["checked_in"], body["venue_checked_in"]) == (lampang_venue.pk, 1, 1, 1)
    assert body["percent"] == 100.0 and sum(role["registered"] for role in body["roles"]) == 1


def test_device_stats_count_a_guest_checked_in_here_only_as_present_at_the_venue(client, device, chiangmai_attendee, lampang_venue):
    record_checkin(chiangmai_attendee, venue=lampang_venue)  # recorded "at another venue"
    body = client.get("/api/stats", **auth(device)).json()
    assert (body["registered"], body["checked_in"], body["venue_checked_in"]) == (0, 0, 1)


def test_device_lookup_of_someone_expected_at_another_venue_answers_as_an_unknown_code(client, device, chiangmai_attendee):
    unknown = client.get("/api/registrations/lookup", {"code": "not a code"}, **auth(device))
    for code in (chiangmai_attendee.get_personal_url(), chiangmai_attendee.get_ticket()):
        elsewhere = client.get("/api/registrations/lookup", {"code": code}, **auth(device))
        assert (elsewhere.status_code, elsewhere.json()) == (unknown.status_code, unknown.json())
        assert "บุญมี" not in elsewhere.content.decode()
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown_token"


def test_device_lookup_of_a_revoked_link_expected_elsewhere_is_unknown_too(client, device, chiangmai_attendee):
    """Whether somebody else's link was revoked is not a device's to learn either."""
    chiangmai_attendee.link_revoked = True
    chiangmai_attendee.save(update_fields=["link_revoked"])
    response = client.get("/api/registrations/lookup", {"code": chiangmai_attendee.get_personal_url()}, **auth(device))
    assert response.status_code == 400 and response.json()["code"] == "unknown_token"


def test_device_info(client, device):
    body = client.get("/api/device", **auth(device)).json()
    assert body["venue_id"] == device.venue_id and body["name"] == "โต๊ะลงทะเบียน 1"


def test_openapi_schema_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/checkins", "/api/registrations/lookup", "/api/stats"} <= set(schema["paths"])
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["DeviceBearer"].items()


def test_docs_page_uses_no_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def test_device_of_another_session_cannot_check_in_here(client, attendee, lampang_officer):
    elsewhere = make_venue(make_session(), "TH-52")
    device, token = issue_scanner_device(venue=elsewhere, name="x", actor=lampang_officer)
    response = client.post(
        "/api/checkins", {"code": attendee.get_personal_url(), "nonce": "z"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400 and response.json()["code"] == "wrong_session"
    assert not CheckIn.objects.exists()


def test_a_ticket_check_in_reads_the_device_and_the_person_and_writes_two_rows(client, device, attendee, django_assert_num_queries):
    """The hot path stays lean: no join for province and role (the process's reference cache), no
    lazy load of a column the scan did not read (attendance.services.SCAN_FIELDS, DEVICE_FIELDS).
    Queries: the device, the person, the check-in and its audit event inside a savepoint (the test's
    transaction turns the atomic block into one); the device was used a moment ago, so no touch."""
    other = make_registration(attendee.session, province_code="TH-52", first_name="สมหญิง")
    assert post_checkin(client, device, other.get_ticket(), "warm-up").status_code == 201  # fills the reference cache
    with django_assert_num_queries(6):
        response = post_checkin(client, device, attendee.get_ticket(), "n-queries")
    assert response.status_code == 201 and response.json()["registration"]["name"] == "นายสมศรี มีสุข"
