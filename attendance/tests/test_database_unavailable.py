"""With the database unreachable, requests answer 503 with Retry-After: JSON for scanners and the
API, a short page for people; never an HTML 500 (meetings.middleware.DatabaseUnavailableMiddleware)."""

import pytest
from django.db import OperationalError

from attendance import services
from meetings.tests.factories import make_session, make_venue
from registration.tests.factories import make_registration

pytestmark = pytest.mark.django_db


def test_database_errors_answer_503_json_for_scanners_and_a_page_for_people(client, monkeypatch, lampang_officer):
    """Check-in endpoints never answer an HTML 500 when the database is unreachable."""

    def unreachable(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "perform_checkin", unreachable)
    client.force_login(lampang_officer)
    session = make_session()
    venue = make_venue(session, "TH-52")
    scan = {"code": make_registration(session, "TH-52").get_ticket(), "nonce": "n1", "scanned_at": "2026-01-01T09:00:00+07:00"}
    response = client.post("/api/checkins/batch", {"venue": venue.pk, "scans": [scan]}, content_type="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable" and "could not connect" not in response.content.decode()

    monkeypatch.setattr("meetings.views.get_session_for_user", lambda *a, **k: (_ for _ in ()).throw(OperationalError("down")))
    page = client.get(f"/sessions/{session.pk}/")
    assert page.status_code == 503 and page["Retry-After"] == "5" and page["Content-Type"].startswith("text/html")
