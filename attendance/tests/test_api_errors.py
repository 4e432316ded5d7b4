"""Every refusal the JSON API gives is documented in its OpenAPI schema, body and all: 401 (no or a
bad token or login), 403 (a staff call without its CSRF token), 404, 413 (the body limit in front of
Django), 422 (a request that does not fit the schema, in Thai first, saying where) and 503 (the
database away, with Retry-After). Requests go through the WSGI application as deployed
(config/wsgi.py, the body limit included); schemathesis checks each answer against the schema."""

import json

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import OperationalError, close_old_connections
from django.utils import timezone
from werkzeug.test import Client

from attendance import api as api_module
from attendance.api import api
from attendance.models import CheckIn, ScannerStatus
from attendance.services import issue_scanner_device
from attendance.tests.sockets import session_cookie_value
from config.wsgi import application

pytestmark = pytest.mark.django_db

THAI = range(0x0E00, 0x0E80)


@pytest.fixture(scope="module")
def schema():
    return schemathesis.openapi.from_dict(api.get_openapi_schema())


@pytest.fixture
def wsgi():
    """The deployed WSGI application, on the test's database connection: as Django's own test client
    does, the connection is not closed at the end of each request (it holds the test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield Client(application, use_cookies=False)  # cookies go as the tests write them
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def device_headers(lampang_venue):
    _device, token = issue_scanner_device(venue=lampang_venue, name="โต๊ะ 1", actor=None)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def staff_cookie(lampang_officer):
    return f"sessionid={session_cookie_value(lampang_officer)}"


def documented(schema, method, path, response):
    """Assert that `response` is one the schema documents for the operation, and return its JSON."""
    operation = schema[path][method]
    responses = operation.definition.raw["responses"]
    assert str(response.status_code) in {str(status) for status in responses}, (response.status_code, sorted(responses))
    operation.validate_response(response)
    return json.loads(response.get_data())


def is_thai(text):
    return any(ord(ch) in THAI for ch in text)


def test_missing_or_wrong_token_answers_401_in_the_documented_shape(schema, wsgi):
    for headers in ({}, {"Authorization": "Bearer prd_nonsense"}):
        body = documented(schema, "GET", "/api/stats", wsgi.get("/api/stats", headers=headers))
        assert body["code"] == "unauthorized" and is_thai(body["message"])


def test_anonymous_post_to_a_scanner_endpoint_answers_401_not_a_csrf_403(schema, wsgi):
    """Without a staff login there is nobody whose CSRF token to check."""
    response = wsgi.post("/api/scanner/heartbeat", json={"client": {"id": "desk-1"}})
    assert documented(schema, "POST", "/api/scanner/heartbeat", response)["code"] == "unauthorized"
    assert not ScannerStatus.objects.exists()


def test_staff_call_without_its_csrf_token_answers_403(schema, wsgi, staff_cookie, lampang_venue):
    response = wsgi.post("/api/scanner/heartbeat", json={"venue": lampang_venue.pk, "client": {"id": "desk-1"}}, headers={"Cookie": staff_cookie})
    body = documented(schema, "POST", "/api/scanner/heartbeat", response)
    assert response.status_code == 403 and body["code"] == "csrf_failed" and is_thai(body["message"])
    assert not ScannerStatus.objects.exists()


def test_staff_call_with_its_csrf_token_is_answered(schema, wsgi, staff_cookie, lampang_venue):
    csrf = "a" * 32
    headers = {"Cookie": f"{staff_cookie}; csrftoken={csrf}", "X-CSRFToken": csrf}
    response = wsgi.post("/api/scanner/heartbeat", json={"venue": lampang_venue.pk, "client": {"id": "desk-1"}}, headers=headers)
    assert response.status_code == 200
    documented(schema, "POST", "/api/scanner/heartbeat", response)


def test_a_venue_the_caller_may_not_see_answers_404_in_the_documented_shape(schema, wsgi, device_headers, chiangmai_venue):
    response = wsgi.get(f"/api/scanner/snapshot?venue={chiangmai_venue.pk}", headers=device_headers)
    assert response.status_code == 404
    assert documented(schema, "GET", "/api/scanner/snapshot", response)["code"] == "not_found"


def test_a_body_that_is_not_json_answers_422_saying_where(schema, wsgi, device_headers):
    """ninja's own answer was 400 {"detail": …}, against the documented 400 body of a check-in."""
    response = wsgi.post("/api/checkins", data=b"{not json", content_type="application/json", headers=device_headers)
    assert response.status_code == 422
    body = documented(schema, "POST", "/api/checkins", response)
    assert body["code"] == "invalid_request" and body["details"]["errors"][0]["loc"] == ["body"]
    assert not CheckIn.objects.exists()


def test_a_missing_field_answers_422_in_thai_first_with_the_errors(schema, wsgi, device_headers):
    response = wsgi.post("/api/checkins", json={"nonce": "n-1"}, headers=device_headers)
    body = documented(schema, "POST", "/api/checkins", response)
    assert response.status_code == 422 and is_thai(body["message"])
    assert [error["loc"][-1] for error in body["details"]["errors"]] == ["code"]
    english = wsgi.post("/api/checkins", json={"nonce": "n-1"}, headers={**device_headers, "Cookie": f"{settings.LANGUAGE_COOKIE_NAME}=en"})
    assert json.loads(english.get_data())["message"].startswith("The request does not fit")


@pytest.mark.parametrize("venue", [0, 2**63, 2**70])
def test_an_id_out_of_range_answers_422_not_a_server_error(schema, wsgi, device_headers, venue):
    response = wsgi.get(f"/api/scanner/snapshot?venue={venue}", headers=device_headers)
    assert response.status_code == 422
    documented(schema, "GET", "/api/scanner/snapshot", response)


def test_text_the_database_cannot_hold_is_cleaned_or_a_bad_scan_never_a_server_error(schema, wsgi, device_headers, attendee):
    """A NUL character or a lone surrogate is valid JSON (and the schema allows any string), but
    PostgreSQL refuses it: a scanner's name loses it, an uploaded scan with it is a bad scan."""
    client = {"id": "desk\x00-1", "label": "โต๊ะ\ud800 1"}
    response = wsgi.post("/api/scanner/heartbeat", data=json.dumps({"client": client}), content_type="application/json", headers=device_headers)
    documented(schema, "POST", "/api/scanner/heartbeat", response)
    status = ScannerStatus.objects.get()
    assert (status.client_id, status.label) == ("desk-1", "โต๊ะ? 1")
    checkin = {"code": attendee.get_ticket(), "nonce": "n\x00-1"}
    response = wsgi.post("/api/checkins", data=json.dumps(checkin), content_type="application/json", headers=device_headers)
    assert response.status_code == 201 and CheckIn.objects.get().nonce == "n-1"
    documented(schema, "POST", "/api/checkins", response)
    scan = {"code": attendee.get_ticket(), "nonce": "n\x00-2", "scanned_at": timezone.now().isoformat()}
    response = wsgi.post("/api/checkins/batch", json={"scans": [scan]}, headers=device_headers)
    assert documented(schema, "POST", "/api/checkins/batch", response)["results"][0]["code"] == "bad_scan"


def test_a_time_offset_postgresql_cannot_store_is_kept_as_the_same_instant(wsgi, device_headers, lampang_venue):
    client = {"id": "desk-1", "pending": 3, "oldest_pending_at": "2026-01-01T20:00:00+17:15"}
    assert wsgi.post("/api/scanner/heartbeat", json={"client": client}, headers=device_headers).status_code == 200
    assert ScannerStatus.objects.get().oldest_pending_at.isoformat() == "2026-01-01T02:45:00+00:00"


def test_a_body_over_the_limit_answers_413_in_the_documented_shape(schema, wsgi, device_headers, settings):
    response = wsgi.post("/api/checkins", data=b" " * (settings.REQUEST_BODY_MAX_BYTES + 1), content_type="application/json", headers=device_headers)
    assert response.status_code == 413
    assert documented(schema, "POST", "/api/checkins", response)["code"] == "body_too_large"


def test_database_away_answers_503_in_the_documented_shape_with_retry_after(schema, wsgi, device_headers, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(api_module, "perform_checkin", unreachable)
    response = wsgi.post("/api/checkins", json={"code": "x", "nonce": "n-1"}, headers=device_headers)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    body = documented(schema, "POST", "/api/checkins", response)
    assert body["code"] == "unavailable" and is_thai(body["message"])


def test_every_operation_documents_401_and_503_and_every_post_413_and_422():
    operations = api.get_openapi_schema()["paths"]
    for path, methods in operations.items():
        for method, operation in methods.items():
            statuses = set(operation["responses"])
            assert {401, 503} <= statuses, (method, path)
            if method == "post":
                assert {413, 422} <= statuses, (method, path)
            assert "Retry-After" in operation["responses"][503]["headers"], (method, path)
