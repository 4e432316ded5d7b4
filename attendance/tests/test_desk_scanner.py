"""Desk scanner endpoints (scan, manual search) and central staff's manual check-in and undo."""

import json

import pytest

from attendance.models import CheckIn, CheckInEvent
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def scan_url(venue):
    return f"/sessions/{venue.session_id}/venues/{venue.pk}/scan/"


def post_json(client, url, data):
    return client.post(url, json.dumps(data), content_type="application/json")


def test_scanner_page_has_camera_script_and_csrf(client, lampang_officer, lampang_venue):
    client.force_login(lampang_officer)
    html = client.get(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/scanner/").content.decode()
    assert "vendor/jsqr-1.4.0/jsQR.js" in html and "attendance/scanner.js" in html
    assert "csrfmiddlewaretoken" in html and 'id="scanner-strings"' in html


def test_scan_endpoint_answers_with_name_province_role(client, lampang_officer, lampang_venue, attendee):
    client.force_login(lampang_officer)
    body = post_json(client, scan_url(lampang_venue), {"code": attendee.get_personal_url(), "nonce": "a"}).json()
    assert body["code"] == "ok" and body["level"] == "success"
    assert body["registration"]["province"] == "ลำปาง" and body["registration"]["role"]
    event = CheckInEvent.objects.get()
    assert event.user == lampang_officer and event.method == "scanner" and event.venue == lampang_venue


def test_scan_endpoint_needs_csrf(lampang_officer, lampang_venue, attendee):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(lampang_officer)
    response = post_json(client, scan_url(lampang_venue), {"code": attendee.get_personal_url()})
    assert response.status_code == 403 and not CheckIn.objects.exists()


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b'{"code": 5}', b'{"code": "  "}', b'{"registration_id": "x"}'])
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, lampang_officer, lampang_venue, body):
    client.force_login(lampang_officer)
    response = client.post(scan_url(lampang_venue), body, content_type="application/json")
    assert response.status_code == 400 and response.json()["message"]
    assert not CheckIn.objects.exists()


def test_search_by_name_and_phone(client, lampang_officer, lampang_venue, attendee, open_session):
    make_registration(open_session, "TH-50", first_name="สมศรี", last_name="เชียงใหม่")  # another province: hidden
    client.force_login(lampang_officer)
    url = f"/sessions/{open_session.pk}/venues/{lampang_venue.pk}/search/"
    rows = client.get(url, {"q": "สมศรี"}).json()["results"]
    assert [r["name"] for r in rows] == ["นายสมศรี มีสุข"]
    rows = client.get(url, {"q": attendee.phone[-6:]}).json()["results"]
    assert [r["id"] for r in rows] == [attendee.pk]
    assert client.get(url, {"q": "ส"}).json()["results"] == []


def test_scanner_search_shows_phones_masked(client, lampang_officer, lampang_venue, attendee):
    # A desk checks people in; it needs to tell two namesakes apart, not to call them: the last four digits.
    client.force_login(lampang_officer)
    url = f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/search/"
    response = client.get(url, {"q": attendee.first_name})
    [row] = response.json()["results"]
    assert attendee.phone not in response.content.decode() and row["phone_tail"] == attendee.phone[-4:]


def test_manual_search_checkin_button(client, lampang_officer, lampang_venue, attendee):
    client.force_login(lampang_officer)
    body = post_json(client, scan_url(lampang_venue), {"registration_id": attendee.pk, "nonce": "m1"}).json()
    assert body["code"] == "ok"
    assert CheckIn.objects.get().method == "manual"


def test_officer_cannot_check_in_another_provinces_person_by_id(client, lampang_officer, lampang_venue, chiangmai_attendee):
    client.force_login(lampang_officer)
    response = post_json(client, scan_url(lampang_venue), {"registration_id": chiangmai_attendee.pk})
    assert response.status_code == 404 and not CheckIn.objects.exists()


def test_central_manual_checkin_with_reason(client, central_organiser, open_session, attendee, lampang_venue):
    client.force_login(central_organiser)
    response = client.post(f"/sessions/{open_session.pk}/checkins/manual/", {"registration": attendee.pk, "reason": "ลืมโทรศัพท์", "venue": ""})
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.method == "manual" and checkin.venue == lampang_venue and checkin.recorded_by == central_organiser
    assert CheckInEvent.objects.get().reason == "ลืมโทรศัพท์"


def test_manual_checkin_without_reason_changes_nothing(client, central_organiser, open_session, attendee):
    client.force_login(central_organiser)
    client.post(f"/sessions/{open_session.pk}/checkins/manual/", {"registration": attendee.pk, "reason": "  "})
    assert not CheckIn.objects.exists()


def test_undo_view(client, central_organiser, open_session, attendee, lampang_venue):
    client.force_login(central_organiser)
    post_json(client, scan_url(lampang_venue), {"code": attendee.get_personal_url()})
    page = client.get(f"/sessions/{open_session.pk}/checkins/")
    assert "สมศรี" in page.content.decode()
    client.post(f"/sessions/{open_session.pk}/checkins/{attendee.pk}/undo/", {"reason": ""})
    assert CheckIn.objects.exists()
    client.post(f"/sessions/{open_session.pk}/checkins/{attendee.pk}/undo/", {"reason": "สแกนผิดคน"})
    assert not CheckIn.objects.exists()
    assert CheckInEvent.objects.filter(action="undo", reason="สแกนผิดคน", user=central_organiser).exists()


def test_devices_page_shows_token_once_and_revokes(client, lampang_officer, lampang_venue):
    client.force_login(lampang_officer)
    url = f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/devices/"
    html = client.post(url, {"name": "โต๊ะ 1"}).content.decode()
    from attendance.models import ScannerDevice

    device = ScannerDevice.objects.get()
    token = html.split('id="new-device-token">')[1].split("<")[0]
    assert ScannerDevice.hash_token(token) == device.token_hash
    assert token not in client.get(url).content.decode()
    client.post(f"{url}{device.pk}/revoke/")
    device.refresh_from_db()
    assert device.revoked_at is not None and device.revoked_by == lampang_officer


def test_devices_form_requires_a_name(client, lampang_officer, lampang_venue):
    from attendance.models import ScannerDevice

    client.force_login(lampang_officer)
    client.post(f"/sessions/{lampang_venue.session_id}/venues/{lampang_venue.pk}/devices/", {"name": ""})
    assert not ScannerDevice.objects.exists()
